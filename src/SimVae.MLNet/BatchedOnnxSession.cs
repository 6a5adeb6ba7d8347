using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms.Onnx;

namespace SimVae.MLNet;

/// <summary>
/// Runs a fitted stage's encoder on many rows per call through the <see cref="OnnxTransformer"/>'s own ONNX Runtime
/// session, so a stage holds one session, created by ML.NET with the context's <c>GpuDeviceId</c> and
/// <c>FallbackToCpu</c>. ML.NET scores one row per session call; for the MLP encoder that is 5–10× slower than a batch
/// of a few hundred rows, so in-process featurizing goes through here, and prediction engines and loaded models use
/// the transformer row by row. ML.NET exposes its session only internally (<c>OnnxTransformer.Model</c>, an
/// <c>OnnxModel</c> whose <c>Run</c> forwards to <c>InferenceSession.Run</c>): <see cref="TryCreate"/> finds it by
/// reflection and returns null when a later ML.NET no longer has it, and the stage then featurizes row by row.
/// Thread-safe: ONNX Runtime's Run may be called concurrently.
/// </summary>
internal sealed class BatchedOnnxSession
{
    private readonly Func<List<NamedOnnxValue>, List<string>, IDisposableReadOnlyCollection<DisposableNamedOnnxValue>> run;
    private readonly StageDescription stage;
    private readonly List<string> outputNames;

    private BatchedOnnxSession(Func<List<NamedOnnxValue>, List<string>, IDisposableReadOnlyCollection<DisposableNamedOnnxValue>> run, StageDescription stage)
    {
        this.run = run;
        this.stage = stage;
        outputNames = [stage.OutputColumn];
    }

    /// <summary>Rows per ONNX Runtime call.</summary>
    public const int BatchRows = 256;

    /// <summary>The batched view of <paramref name="transformer"/>'s session, or null when this ML.NET does not expose it as expected.</summary>
    public static BatchedOnnxSession? TryCreate(OnnxTransformer transformer, StageDescription stage)
    {
        var model = typeof(OnnxTransformer).GetField("Model", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(transformer);
        var method = model?.GetType().GetMethod("Run", BindingFlags.Instance | BindingFlags.Public, [typeof(List<NamedOnnxValue>), typeof(List<string>)]);
        if (method is null || method.ReturnType != typeof(IDisposableReadOnlyCollection<DisposableNamedOnnxValue>)) return null;
        return new BatchedOnnxSession(method.CreateDelegate<Func<List<NamedOnnxValue>, List<string>, IDisposableReadOnlyCollection<DisposableNamedOnnxValue>>>(model), stage);
    }

    /// <summary>Features of <paramref name="rows"/> images packed in <paramref name="pixels"/>, written to <paramref name="features"/>.</summary>
    public void Run<T>(Memory<T> pixels, int rows, Span<float> features) where T : unmanaged
    {
        var input = new DenseTensor<T>(pixels[..(rows * stage.InputSize)], [rows, stage.InputSize]);
        using var outputs = run([NamedOnnxValue.CreateFromTensor(stage.InputColumn, input)], outputNames);
        var result = outputs[0].AsTensor<float>();
        if (result.Length != (long)rows * stage.FeatureLength)
            throw new InvalidOperationException($"the encoder returned {result.Length} values for {rows} rows; expected {rows} x {stage.FeatureLength}");
        (result as DenseTensor<float> ?? result.ToDenseTensor()).Buffer.Span.CopyTo(features);
    }
}
