using SimVae.Export;

namespace SimVae.MLNet;

/// <summary>The columns and sizes of a fitted featurizer stage.</summary>
/// <param name="InputColumn">The image column: a fixed-size vector of <paramref name="InputSize"/> pixels.</param>
/// <param name="OutputColumn">The feature column the stage appends.</param>
/// <param name="PixelType">Element type of the image column (float, or raw 8-bit bytes).</param>
/// <param name="InputSize">C·H·W, the values per image.</param>
/// <param name="FeatureLength">F, the features per image.</param>
/// <param name="InputScale">The factor that brings float pixels into [0, 1] (folded into the ONNX graph; 1/255 for bytes).</param>
public sealed record StageDescription(string InputColumn, string OutputColumn, OnnxPixelType PixelType, int InputSize, int FeatureLength, float InputScale);
