// Training project: learn features of FashionMNIST images without labels (SimVAE), train a detector of upside-down
// images on them (half of the images are flipped, chosen at random), evaluate it on test images and save FlipModel.zip.
// Usage: dotnet run -c Release --project samples/FlipDetector/FlipDetector.Train -- [epochs] [training images]
using System.Globalization;
using FlipDetector;
using SimVae.Data;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
int trainCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;

// Load data: FashionMNIST images, each flipped upside down with probability 1/2 (seeded), as ModelInput rows.
List<FlipModel.ModelInput> Rows(ImageDataset data, int count, int seed)
{
    var random = new Random(seed);
    return Enumerable.Range(0, Math.Min(count, data.Count)).Select(i =>
    {
        bool flip = random.Next(2) == 1;
        return new FlipModel.ModelInput { Pixels = flip ? FlipModel.FlipUpsideDown(data.Image(i)) : data.Image(i).ToArray(), Flipped = flip };
    }).ToList();
}
var trainData = Rows(FashionMnist.Load(DataSplit.Train), trainCount, seed: 1);
var testData = Rows(FashionMnist.Load(DataSplit.Test), 2_000, seed: 2);
Console.WriteLine($"Training on {trainData.Count} images for {epochs} epoch(s), evaluating on {testData.Count}");

// Build the pipeline, train, save, evaluate.
var pipeline = FlipModel.BuildPipeline(epochs);
var bundlePath = Path.GetTempFileName();
try
{
    var classifier = FlipModel.Train(pipeline, trainData, bundlePath);
    FlipModel.Save(FlipModel.ModelPath, bundlePath, classifier);
}
finally
{
    File.Delete(bundlePath);
}
Console.WriteLine($"Saved {Path.GetFullPath(FlipModel.ModelPath)}");
Console.WriteLine($"Accuracy on {testData.Count} test images: {FlipModel.Evaluate(FlipModel.ModelPath, testData):P1} (chance: 50%)");
