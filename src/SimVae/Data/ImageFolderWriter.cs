namespace SimVae.Data;

/// <summary>
/// Writes a data set as an image folder, <c>root/&lt;class&gt;/&lt;n&gt;.png</c> — the layout <see cref="ImageFolderReader"/>,
/// torchvision's ImageFolder and ML.NET Model Builder's image scenarios read — so that pipelines that start from image
/// files can be tried on real images (e.g. FashionMNIST). Class folders are named after the class names (characters
/// that file systems refuse become '_'), or the label numbers; files are numbered by their index in the data set,
/// zero-padded, so that reading the folder back gives each class's images in data-set order. Existing files are never
/// overwritten: the call fails before writing anything if one is in the way; a file whose write fails (a full disk) is
/// removed, so no empty or partial PNG is left.
/// </summary>
public static class ImageFolderWriter
{
    /// <summary>Writes every image of <paramref name="images"/> (which must have labels) under <paramref name="root"/>; returns the files written.</summary>
    /// <exception cref="ArgumentException">The data set has no labels, or its images are neither gray nor RGB.</exception>
    /// <exception cref="IOException">A file to be written exists already.</exception>
    public static IReadOnlyList<string> Write(ImageDataset images, string root)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (!images.HasLabels) throw new ArgumentException($"{images.Name} has no labels: an image folder needs one class per image", nameof(images));
        if (images.Channels is not (1 or 3)) throw new ArgumentException($"{images.Name} has {images.Channels} channels; PNG files are written for 1 (gray) or 3 (RGB)", nameof(images));
        int digits = Math.Max(1, (images.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var paths = Enumerable.Range(0, images.Count)
            .Select(i => Path.Combine(root, ClassFolder(images, images.Label(i)), i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0') + ".png"))
            .ToList();
        if (paths.FirstOrDefault(File.Exists) is { } existing)
            throw new IOException($"{existing} exists already; write the image folder to a new or empty folder");
        var interleaved = new byte[images.ImageSize];
        for (int i = 0; i < images.Count; i++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(paths[i])!);
            var png = PngWriter.Encode(ToInterleaved(images.Image(i), images.Channels, interleaved), images.Width, images.Height, images.Channels);
            WriteNew(paths[i], png);
        }
        return paths;
    }

    /// <summary>Creates <paramref name="path"/> with <paramref name="bytes"/>; a failed write (a full disk) leaves no partial file.</summary>
    private static void WriteNew(string path, byte[] bytes)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        try
        {
            using (file) file.Write(bytes);
        }
        catch
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static string ClassFolder(ImageDataset images, int label)
    {
        string name = label < images.ClassNames.Count ? images.ClassNames[label] : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var invalid = Path.GetInvalidFileNameChars().Concat(['/', '\\', ':']).ToHashSet();
        return new string(name.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
    }

    /// <summary>Planar CHW pixels to the row-major, channel-interleaved order PNG stores.</summary>
    private static byte[] ToInterleaved(ReadOnlySpan<byte> planar, int channels, byte[] destination)
    {
        int plane = planar.Length / channels;
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < plane; p++)
                destination[p * channels + c] = planar[c * plane + p];
        return destination;
    }
}
