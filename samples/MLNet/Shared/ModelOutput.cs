using Microsoft.ML.Data;

namespace FashionMLNet;

/// <summary>The model's prediction for one image: the clothing class, the class scores and the SimVAE features.</summary>
public sealed class ModelOutput
{
    /// <summary>The predicted class name.</summary>
    [ColumnName("PredictedLabel")]
    public string PredictedLabel { get; set; } = "";

    /// <summary>One score per class (the order of the label key values).</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The image's features: SimVAE's posterior mean, computed by the ONNX encoder inside the model.</summary>
    public float[] Features { get; set; } = [];
}
