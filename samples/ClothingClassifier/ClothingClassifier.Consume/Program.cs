// Consumption project: load the saved ClothingModel.zip and predict the class of one image.
// Usage (from the folder you trained in): dotnet run --project samples/ClothingClassifier/ClothingClassifier.Consume -- [test image index] [model file]
using System.Globalization;
using ClothingClassifier;
using SimVae.Data;

int index = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
string modelPath = args.Length > 1 ? args[1] : ClothingModel.ModelPath;
if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"{modelPath} not found: run ClothingClassifier.Train first (from this folder).");
    return 1;
}

// One item to predict: a FashionMNIST test image (any 28x28 gray image works).
var test = FashionMnist.Load(DataSplit.Test);
var input = new ClothingModel.ModelInput
{
    Pixels = test.Image(index).ToArray(),
    Label = FashionMnist.ClassNames[test.Label(index)],
};

ClothingModel.ModelOutput result = ClothingModel.Predict(input, modelPath);

Console.WriteLine($"Test image {index}: actual '{input.Label}', predicted '{result.PredictedLabel}'");
foreach (var (name, score) in result.ClassNames.Zip(result.Score).OrderByDescending(p => p.Second).Take(3))
    Console.WriteLine($"  {name,-12} {score:P1}");
return 0;
