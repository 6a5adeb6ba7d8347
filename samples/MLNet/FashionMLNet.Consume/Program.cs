// Model-Builder-style consumption: load model.zip with the plain mlContext.Model.Load and predict image files. This project
// references only Microsoft.ML, ImageAnalytics, OnnxTransformer and OnnxRuntime: the SimVAE encoder inside the zip is an
// ONNX graph, so no SimVae assembly and no libtorch are needed, on any OS ONNX Runtime supports.
// Usage: dotnet run -c Release --project samples/MLNet/FashionMLNet.Consume -- <image file>... (model.zip in the working folder)
using System.Globalization;
using FashionMLNet;
using Microsoft.ML;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: FashionMLNet.Consume <image file>...   (reads model.zip from the working folder)");
    return 2;
}
var mlContext = new MLContext();
ITransformer model = mlContext.Model.Load("model.zip", out _);
var engine = mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
foreach (var path in args)
{
    var output = engine.Predict(new ModelInput { ImagePath = Path.GetFullPath(path) });
    Console.WriteLine($"{Path.GetFullPath(path)}: predicted '{output.PredictedLabel}' (score {output.Score.Max():F3})");
    Console.WriteLine("features " + string.Join(" ", output.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
}
// On Linux, show which native engines this process loaded: ONNX Runtime, and no libtorch.
if (File.Exists("/proc/self/maps"))
{
    var maps = File.ReadAllText("/proc/self/maps");
    Console.WriteLine($"native libraries: onnxruntime {(maps.Contains("libonnxruntime") ? "loaded" : "not loaded")}, libtorch {(maps.Contains("libtorch") ? "loaded" : "not loaded")}");
}
return 0;
