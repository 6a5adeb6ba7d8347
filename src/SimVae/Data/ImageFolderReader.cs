using SimVae.IO;
namespace SimVae.Data;

/// <summary>
/// Reads an image folder laid out as <c>root/&lt;class name&gt;/&lt;image&gt;</c> (torchvision's ImageFolder):
/// class names are the sub-folder names in ordinal order (label = position), images are PNG or JPEG files,
/// decoded in managed code (SkiaSharp), converted to gray or RGB and resized to the configured size by pixel-area
/// averaging (OpenCV's INTER_AREA). Only regular files are read — the file type is checked before opening and the open
/// cannot block, so a FIFO, device or a link to one is refused at once — each at most <see cref="MaxFileBytes"/>, and
/// an image whose header declares more than <see cref="MaxPixels"/> is refused before it is decoded.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>File extensions read (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>Most pixels (width × height, as the file's header declares) an image may have: 40 million, e.g. 8000 × 5000.</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>Largest output side in pixels.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest image file read (256 MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Loads every image under <paramref name="root"/>; nothing is returned unless every file decodes.</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="height">Output height in pixels.</param>
    /// <param name="width">Output width in pixels.</param>
    /// <exception cref="DataSetFormatException">The folder is missing or has no classes or images, or a file cannot be decoded.</exception>
    public static ImageDataset Load(string root, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "must be 1 (gray) or 3 (RGB)");
        if (height is < 1 or > MaxSide || width is < 1 or > MaxSide) throw new ArgumentOutOfRangeException(nameof(height), $"size {height}x{width} must be within 1..{MaxSide} per side");
        if (!Directory.Exists(root)) throw new DataSetFormatException(root, "folder not found (expected one sub-folder of images per class)");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new DataSetFormatException(root, "no class sub-folders (expected root/<class>/<image>.png|jpg)");

        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < classes.Length; c++)
        {
            var inClass = Directory.GetFiles(Path.Combine(root, classes[c]))
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal);
            files.AddRange(inClass.Select(f => (f, c)));
        }
        if (files.Count == 0) throw new DataSetFormatException(root, $"no PNG or JPEG files in its {classes.Length} class folders");

        int size = channels * height * width;
        var pixels = new byte[(long)files.Count * size];
        var labels = new int[files.Count];
        for (int k = 0; k < files.Count; k++)
        {
            var (path, label) = files[k];
            byte[] bytes;
            try { bytes = BoundedFile.ReadAll(path, MaxFileBytes, "image file"); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new DataSetFormatException(path, e.Message, e); }
            if (bytes.Length == 0) throw new DataSetFormatException(path, "empty image file");
            var format = ImageHeader.Format(bytes);
            var declared = (format is null ? null : ImageHeader.Size(bytes)) ?? throw new DataSetFormatException(path, "not a PNG or JPEG file (no readable image header)");
            if (declared.Width < 1 || declared.Height < 1 || declared.Width * declared.Height > MaxPixels)
                throw new DataSetFormatException(path, $"its header declares {declared.Width}x{declared.Height} pixels; images must have 1..{MaxPixels:N0} pixels");
            try { ImageDecoder.Decode(bytes, format!, channels, height, width, pixels.AsSpan(k * size, size)); }
            catch (InvalidDataException e) { throw new DataSetFormatException(path, e.Message, e); }
            labels[k] = label;
        }
        return new ImageDataset(pixels, files.Count, channels, height, width, labels, classes, name: $"image folder {Path.GetFileName(Path.TrimEndingDirectorySeparator(root))}");
    }
}
