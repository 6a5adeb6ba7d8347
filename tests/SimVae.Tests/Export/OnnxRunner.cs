using Microsoft.ML.OnnxRuntime;
using SimVae.Data;

namespace SimVae.Tests.Export;

/// <summary>Runs an exported encoder with ONNX Runtime, as a consumer without libtorch would.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession session;

    public OnnxRunner(byte[] model) => session = new InferenceSession(model);

    public OnnxRunner(string path) => session = new InferenceSession(path);

    /// <summary>The input's metadata (element type, dimensions with -1 for symbolic ones).</summary>
    public NodeMetadata Input => session.InputMetadata.Single().Value;

    /// <summary>The output's metadata.</summary>
    public NodeMetadata Output => session.OutputMetadata.Single().Value;

    public string InputName => session.InputNames.Single();

    public string OutputName => session.OutputNames.Single();

    /// <summary>Features of <paramref name="rows"/> float pixel rows of <paramref name="width"/> values each.</summary>
    public float[] Run(float[] pixels, int rows, int width)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [rows, width]);
        return Run(input);
    }

    /// <summary>Features of <paramref name="rows"/> uint8 pixel rows of <paramref name="width"/> values each.</summary>
    public float[] Run(byte[] pixels, int rows, int width)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [rows, width]);
        return Run(input);
    }

    private float[] Run(OrtValue input)
    {
        using var options = new RunOptions();
        using var outputs = session.Run(options, [InputName], [input], [OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>A data set's pixels as the floats ML.NET's ExtractPixels hands over: 0–255, planar CHW, one image per row.</summary>
    public static float[] PixelRows(ImageDataset images) => images.Pixels.ToArray().Select(b => (float)b).ToArray();

    public void Dispose() => session.Dispose();
}
