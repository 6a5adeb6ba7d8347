// ML.NET variant, consumption: load ContentModel.zip and StyleModel.zip (each carries its featurizer) and predict one
// image. Run from the folder FashionMLNet.Train wrote them to.
// Usage: dotnet run -c Release --project samples/MLNet/FashionMLNet.Consume -- [test image index]
using System.Globalization;
using FashionMLNet;
using Microsoft.ML;
using SimVae.Data;
using SimVae.MLNet;

int index = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
var mlContext = new MLContext();
// LoadWithSimVae registers the featurizer stages stored in the zip before ML.NET loads the pipeline.
ITransformer content = mlContext.LoadWithSimVae("ContentModel.zip", out _);
ITransformer style = mlContext.LoadWithSimVae("StyleModel.zip", out _);
var contentEngine = mlContext.Model.CreatePredictionEngine<ModelInput, ClothingPrediction>(content);
var styleEngine = mlContext.Model.CreatePredictionEngine<ModelInput, FlipPrediction>(style);

var test = FashionMnist.Load(DataSplit.Test);
var pixels = test.Image(index).ToArray().Select(p => p / 255f).ToArray();
var input = new ModelInput { Pixels = pixels, Label = FashionMnist.ClassNames[test.Label(index)] };

ClothingPrediction what = contentEngine.Predict(input);
FlipPrediction flipped = styleEngine.Predict(input);
Console.WriteLine($"Test image {index}: actual '{input.Label}', predicted '{what.PredictedLabel}'; " +
                  $"upside down: {flipped.PredictedFlipped} (p = {flipped.Probability:F2})");
