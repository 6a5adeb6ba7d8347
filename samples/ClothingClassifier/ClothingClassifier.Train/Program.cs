// Training project: learn features of FashionMNIST images without labels (SimVAE), train a classifier of the
// clothing class on them, evaluate it on test images and save everything to ClothingModel.zip.
// Usage: dotnet run -c Release --project samples/ClothingClassifier/ClothingClassifier.Train -- [epochs] [training images]
using System.Globalization;
using ClothingClassifier;
using SimVae.Data;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
int trainCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;

// Load data: FashionMNIST (Debian: apt-get install dataset-fashion-mnist), as ModelInput rows.
var classNames = FashionMnist.ClassNames;
List<ClothingModel.ModelInput> Rows(ImageDataset data, int count) =>
    Enumerable.Range(0, Math.Min(count, data.Count))
        .Select(i => new ClothingModel.ModelInput { Pixels = data.Image(i).ToArray(), Label = classNames[data.Label(i)] }).ToList();
var trainData = Rows(FashionMnist.Load(DataSplit.Train), trainCount);
var testData = Rows(FashionMnist.Load(DataSplit.Test), 2_000);
Console.WriteLine($"Training on {trainData.Count} images for {epochs} epoch(s), evaluating on {testData.Count}");

// Build the pipeline, train, save, evaluate.
var pipeline = ClothingModel.BuildPipeline(epochs);
var bundlePath = Path.GetTempFileName();
try
{
    var classifier = ClothingModel.Train(pipeline, trainData, classNames, bundlePath);
    ClothingModel.Save(ClothingModel.ModelPath, bundlePath, classifier, classNames);
}
finally
{
    File.Delete(bundlePath);
}
Console.WriteLine($"Saved {Path.GetFullPath(ClothingModel.ModelPath)}");
Console.WriteLine($"Accuracy on {testData.Count} test images: {ClothingModel.Evaluate(ClothingModel.ModelPath, testData):P1} (chance: 10%)");
