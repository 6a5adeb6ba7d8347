using Microsoft.ML.Data;

namespace FashionMLNet;

/// <summary>The content model's prediction: the clothing class.</summary>
public sealed class ClothingPrediction
{
    /// <summary>The predicted class name.</summary>
    [ColumnName("PredictedLabel")]
    public string PredictedLabel { get; set; } = "";

    /// <summary>One score per class (the order of the label key values).</summary>
    public float[] Score { get; set; } = [];
}

/// <summary>The style model's prediction: upside down or not.</summary>
public sealed class FlipPrediction
{
    /// <summary>Whether the image is predicted to be upside down.</summary>
    [ColumnName("PredictedLabel")]
    public bool PredictedFlipped { get; set; }

    /// <summary>The calibrated probability of "upside down".</summary>
    public float Probability { get; set; }
}
