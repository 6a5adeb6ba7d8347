// Model-Builder-style training: an image folder (<folder>/train/<class>/<n>.png and <folder>/test/...) → ML.NET pipeline
// (LoadImages → ResizeImages → ConvertToGrayscale → ExtractPixels → SimVaeFeaturize → SdcaMaximumEntropy) → model.zip,
// saved with the plain mlContext.Model.Save. Write the folder first with:
//   simvae export-images --dataset fashion-mnist --split train --limit 20000 --output images/train   (and --split test ... images/test)
// Usage: dotnet run -c Release --project samples/MLNet/FashionMLNet.Train -- <image folder> [featurizer epochs=2] [max steps]
using System.Globalization;
using FashionMLNet;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using SimVae.MLNet;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: FashionMLNet.Train <image folder with train/ and test/> [epochs=2] [max steps]");
    return 2;
}
string folder = args[0];
int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
long? maxSteps = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : null;

var mlContext = new MLContext(seed: 1);
var trainData = mlContext.Data.LoadFromEnumerable(ImageFolder.Read(Path.Combine(folder, "train")));
var testRows = ImageFolder.Read(Path.Combine(folder, "test"));
var testData = mlContext.Data.LoadFromEnumerable(testRows);

// The pipeline: pixels from the files, SimVAE features learned from the images alone (no labels; the recommended
// preset: conv encoder, d = 64), a classifier on them.
var pixels = mlContext.Transforms.LoadImages(outputColumnName: "Image", imageFolder: "", inputColumnName: nameof(ModelInput.ImagePath))
    .Append(mlContext.Transforms.ResizeImages(outputColumnName: "Image", imageWidth: 28, imageHeight: 28))
    .Append(mlContext.Transforms.ConvertToGrayscale(outputColumnName: "Image"))
    .Append(mlContext.Transforms.ExtractPixels(outputColumnName: "Pixels", inputColumnName: "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red));
var pipeline = pixels
    .Append(mlContext.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions
    {
        Epochs = epochs,
        MaxSteps = maxSteps,
        Log = message => Console.WriteLine($"  {message}"),
    }))
    .AppendCacheCheckpoint(mlContext)   // the trainer passes over the rows many times: featurize them once
    .Append(Classifier(mlContext));

Console.WriteLine("Training...");
var model = pipeline.Fit(trainData);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData), labelColumnName: "LabelKey");
// The baseline a user has without SimVae: the same classifier on the raw pixels.
var baseline = pixels.Append(mlContext.Transforms.CopyColumns("Features", "Pixels")).AppendCacheCheckpoint(mlContext).Append(Classifier(mlContext)).Fit(trainData);
var baselineMetrics = mlContext.MulticlassClassification.Evaluate(baseline.Transform(testData), labelColumnName: "LabelKey");
Console.WriteLine($"Accuracy on {testRows.Count} test images: {metrics.MicroAccuracy:P1} (the same classifier on the raw pixels: {baselineMetrics.MicroAccuracy:P1})");

mlContext.Model.Save(model, trainData.Schema, "model.zip");
Console.WriteLine($"Saved model.zip ({new FileInfo("model.zip").Length / 1024} KiB)");

var first = mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model).Predict(testRows[0]);
Console.WriteLine($"{testRows[0].ImagePath}: predicted '{first.PredictedLabel}' (true '{testRows[0].Label}')");
Console.WriteLine("features " + string.Join(" ", first.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
return 0;

// Standardised features → SDCA maximum-entropy classifier → predicted label.
static IEstimator<ITransformer> Classifier(MLContext mlContext) =>
    mlContext.Transforms.NormalizeMeanVariance("Features")
        .Append(mlContext.Transforms.Conversion.MapValueToKey(outputColumnName: "LabelKey", inputColumnName: nameof(ModelInput.Label)))
        .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "LabelKey", featureColumnName: "Features"))
        .Append(mlContext.Transforms.Conversion.MapKeyToValue(outputColumnName: "PredictedLabel", inputColumnName: "PredictedLabel"));
