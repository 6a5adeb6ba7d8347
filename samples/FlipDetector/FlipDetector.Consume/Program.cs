// Consumption project: load the saved FlipModel.zip and tell whether one image is upside down.
// Usage (from the folder you trained in): dotnet run --project samples/FlipDetector/FlipDetector.Consume -- [test image index] [model file]
using System.Globalization;
using FlipDetector;
using SimVae.Data;

int index = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
string modelPath = args.Length > 1 ? args[1] : FlipModel.ModelPath;
if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"{modelPath} not found: run FlipDetector.Train first (from this folder).");
    return 1;
}

// One item, shown both ways: a FashionMNIST test image as it is, then upside down.
var test = FashionMnist.Load(DataSplit.Test);
var upright = new FlipModel.ModelInput { Pixels = test.Image(index).ToArray(), Flipped = false };
var flipped = new FlipModel.ModelInput { Pixels = FlipModel.FlipUpsideDown(test.Image(index)), Flipped = true };

foreach (var input in new[] { upright, flipped })
{
    FlipModel.ModelOutput result = FlipModel.Predict(input, modelPath);
    Console.WriteLine($"Test image {index} ({FashionMnist.ClassNames[test.Label(index)]}), {(input.Flipped ? "upside down" : "upright")}: " +
                      $"predicted {(result.PredictedFlipped ? "flipped" : "upright")} (p(flipped) = {result.Probability:F2})");
}
return 0;
