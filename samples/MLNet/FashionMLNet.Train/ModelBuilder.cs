// Model-Builder-style training code: the ML.NET pipelines (each built in one method), training, evaluation, saving.
using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.MLNet;
using SimVae.Pipelines;

namespace FashionMLNet;

/// <summary>Builds, trains, evaluates and saves the content (clothing class) and style (upside down) models.</summary>
public static class ModelBuilder
{
    /// <summary>Content task: SimVae features → multiclass maximum-entropy classifier of the clothing class.</summary>
    public static IEstimator<ITransformer> BuildContentPipeline(MLContext mlContext, SslFeaturizerTransformer featurizer) =>
        mlContext.Transforms.Conversion.MapValueToKey(outputColumnName: "LabelKey", inputColumnName: nameof(ModelInput.Label))
            .Append(mlContext.Transforms.SslFeaturize("Features", nameof(ModelInput.Pixels), featurizer, inputScale: 1f))
            .AppendCacheCheckpoint(mlContext) // the trainer passes over the rows many times: featurize them once
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
            .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "LabelKey", featureColumnName: "Features"))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(outputColumnName: "PredictedLabel", inputColumnName: "PredictedLabel"));

    /// <summary>Style task: SimVae features → boosted trees deciding "upside down or not".</summary>
    public static IEstimator<ITransformer> BuildStylePipeline(MLContext mlContext, SslFeaturizerTransformer featurizer) =>
        mlContext.Transforms.SslFeaturize("Features", nameof(ModelInput.Pixels), featurizer, inputScale: 1f)
            .AppendCacheCheckpoint(mlContext)
            .Append(mlContext.Transforms.CopyColumns(outputColumnName: "FlipLabel", inputColumnName: nameof(ModelInput.Flipped)))
            .Append(mlContext.BinaryClassification.Trainers.FastTree(labelColumnName: "FlipLabel", featureColumnName: "Features"));

    /// <summary>Fits a pipeline on the training rows.</summary>
    public static ITransformer Train(IEstimator<ITransformer> pipeline, IDataView trainData) => pipeline.Fit(trainData);

    /// <summary>Content accuracy (micro-averaged) on test rows.</summary>
    public static double EvaluateContent(MLContext mlContext, ITransformer model, IDataView testData)
    {
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData), labelColumnName: "LabelKey");
        return metrics.MicroAccuracy;
    }

    /// <summary>Style accuracy on test rows.</summary>
    public static double EvaluateStyle(MLContext mlContext, ITransformer model, IDataView testData)
    {
        BinaryClassificationMetrics metrics = mlContext.BinaryClassification.Evaluate(model.Transform(testData), labelColumnName: "FlipLabel");
        return metrics.Accuracy;
    }

    /// <summary>Saves a fitted model; the featurizer's bundle travels inside the same zip.</summary>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema schema, string path) => mlContext.SaveWithSimVae(model, schema, path);
}
