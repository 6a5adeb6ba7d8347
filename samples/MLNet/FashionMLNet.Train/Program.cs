// ML.NET variant of the samples: train a SimVAE featurizer (core API, no labels), then ML.NET pipelines that put a
// content classifier (clothing class) and a style classifier (upside down or not) on its features; evaluate; save
// ContentModel.zip and StyleModel.zip (each carries the featurizer). Needs ML.NET (see ../README.md).
// Usage: dotnet run -c Release --project samples/MLNet/FashionMLNet.Train -- [epochs] [training images]
using System.Globalization;
using FashionMLNet;
using Microsoft.ML;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Pipelines;
using ModelInput = FashionMLNet.ModelInput;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
int trainCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;

// 1. The featurizer: SimVAE on the images alone.
var trainImages = FashionMnist.Load(DataSplit.Train);
var testImages = FashionMnist.Load(DataSplit.Test);
trainImages = trainImages.Subset(Enumerable.Range(0, Math.Min(trainCount, trainImages.Count)).ToArray());
var ssl = new SslContext(seed: 1);
ssl.Log += (_, e) => Console.WriteLine($"  {e.Message}");
using var featurizer = ssl.Featurizers.SimVae(new SimVaeOptions(), new FitOptions { Epochs = epochs }).Fit(trainImages);

// 2. ML.NET data: ModelInput rows, half of the images turned upside down (the style label).
static IEnumerable<ModelInput> Rows(ImageDataset data, int count, int seed)
{
    var random = new Random(seed);
    for (int i = 0; i < Math.Min(count, data.Count); i++)
    {
        bool flip = random.Next(2) == 1;
        var image = data.Image(i);
        var pixels = new float[28 * 28];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                pixels[y * 28 + x] = image[(flip ? 27 - y : y) * 28 + x] / 255f;
        yield return new ModelInput { Pixels = pixels, Label = FashionMnist.ClassNames[data.Label(i)], Flipped = flip };
    }
}
var mlContext = new MLContext(seed: 1);
var trainData = mlContext.Data.LoadFromEnumerable(Rows(trainImages, trainCount, seed: 1).ToList());
var testData = mlContext.Data.LoadFromEnumerable(Rows(testImages, 2_000, seed: 2).ToList());

// 3. Pipelines: build, train, evaluate, save.
var content = ModelBuilder.Train(ModelBuilder.BuildContentPipeline(mlContext, featurizer), trainData);
Console.WriteLine($"Content (clothing class) accuracy: {ModelBuilder.EvaluateContent(mlContext, content, testData):P1}");
ModelBuilder.Save(mlContext, content, trainData.Schema, "ContentModel.zip");

var style = ModelBuilder.Train(ModelBuilder.BuildStylePipeline(mlContext, featurizer), trainData);
Console.WriteLine($"Style (upside down) accuracy: {ModelBuilder.EvaluateStyle(mlContext, style, testData):P1}");
ModelBuilder.Save(mlContext, style, trainData.Schema, "StyleModel.zip");
Console.WriteLine("Saved ContentModel.zip and StyleModel.zip");
