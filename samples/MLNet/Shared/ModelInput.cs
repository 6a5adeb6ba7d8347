using Microsoft.ML.Data;

namespace FashionMLNet;

/// <summary>One FashionMNIST image with its content label (clothing class) and style label (upside down or not).</summary>
public sealed class ModelInput
{
    /// <summary>28 × 28 gray pixels, row by row, scaled to [0, 1] (pixel / 255), as SimVae models take them.</summary>
    [VectorType(28 * 28)]
    public float[] Pixels { get; set; } = [];

    /// <summary>Content label: the clothing class name (e.g. "Sneaker").</summary>
    public string Label { get; set; } = "";

    /// <summary>Style label: whether the image is upside down.</summary>
    public bool Flipped { get; set; }
}
