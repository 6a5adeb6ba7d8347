namespace FashionMLNet;

/// <summary>Reads an image folder laid out as &lt;folder&gt;/&lt;class&gt;/&lt;image&gt; (what `simvae export-images` writes).</summary>
public static class ImageFolder
{
    /// <summary>One row per PNG or JPEG file, labelled with its folder's name, in a stable order.</summary>
    public static List<ModelInput> Read(string folder) =>
        Directory.GetFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg")
            .Order(StringComparer.Ordinal)
            .Select(f => new ModelInput { ImagePath = Path.GetFullPath(f), Label = Path.GetFileName(Path.GetDirectoryName(f))! })
            .ToList();
}
