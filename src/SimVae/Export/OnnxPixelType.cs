namespace SimVae.Export;

/// <summary>The element type of an exported encoder's pixel input.</summary>
public enum OnnxPixelType
{
    /// <summary>float32 pixels, multiplied by <see cref="OnnxExportOptions.InputScale"/> inside the graph (ML.NET's <c>ExtractPixels</c> gives 0–255 floats).</summary>
    Single,

    /// <summary>uint8 pixels (0–255), cast to float32 and divided by 255 inside the graph, as torchvision's <c>ToTensor</c> does.</summary>
    Byte,
}
