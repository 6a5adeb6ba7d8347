namespace FashionMLNet;

/// <summary>One image file of the image folder, with its class (the name of the folder it is in).</summary>
public sealed class ModelInput
{
    /// <summary>Path of the PNG or JPEG file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The clothing class (e.g. "Sneaker"); empty when predicting.</summary>
    public string Label { get; set; } = "";
}
