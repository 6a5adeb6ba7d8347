using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Data;

/// <summary>
/// An in-memory image data set: uint8 pixels of N images of C×H×W in one array (image-major, then channel,
/// row, column), optional class labels, and optional named label columns (e.g. style factors of a synthetic
/// data set). Readers (<see cref="IdxReader"/>, <see cref="Cifar10Reader"/>, <see cref="ImageFolderReader"/>,
/// <see cref="FashionMnist"/>, <see cref="SyntheticShapes"/>) return it fully validated; it is immutable.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] pixels;
    private readonly int[]? labels;

    /// <summary>Wraps pixel data (not copied) after checking that the sizes agree.</summary>
    /// <param name="pixels">N·C·H·W bytes, image-major (NCHW).</param>
    /// <param name="count">N, the number of images.</param>
    /// <param name="channels">C: 1 (gray) or 3 (RGB).</param>
    /// <param name="height">H in pixels.</param>
    /// <param name="width">W in pixels.</param>
    /// <param name="labels">One class label per image, or null.</param>
    /// <param name="classNames">Names of the classes (index = label), or null.</param>
    /// <param name="labelColumns">Further integer label columns (one value per image), by name, or null.</param>
    /// <param name="factorColumns">Continuous per-image values (e.g. style factors before binning), by name, or null.</param>
    /// <param name="name">A short description (source and split) for messages.</param>
    /// <exception cref="ArgumentException">A size does not match.</exception>
    public ImageDataset(byte[] pixels, int count, int channels, int height, int width, int[]? labels = null,
        IReadOnlyList<string>? classNames = null, IReadOnlyDictionary<string, int[]>? labelColumns = null,
        IReadOnlyDictionary<string, float[]>? factorColumns = null, string name = "images")
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must not be negative");
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "must be 1..4");
        if (height < 1 || width < 1) throw new ArgumentException($"image size {height}x{width} must be positive");
        long expected = (long)count * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"{count} images of {channels}x{height}x{width} need {expected} bytes, got {pixels.LongLength}", nameof(pixels));
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"{labels.Length} labels for {count} images", nameof(labels));
        var columns = new Dictionary<string, int[]>();
        foreach (var (key, column) in labelColumns ?? new Dictionary<string, int[]>())
        {
            if (column.Length != count) throw new ArgumentException($"label column '{key}' has {column.Length} values for {count} images", nameof(labelColumns));
            columns[key] = column;
        }
        var factors = new Dictionary<string, float[]>();
        foreach (var (key, column) in factorColumns ?? new Dictionary<string, float[]>())
        {
            if (column.Length != count) throw new ArgumentException($"factor column '{key}' has {column.Length} values for {count} images", nameof(factorColumns));
            factors[key] = column;
        }
        this.pixels = pixels;
        this.labels = labels;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames ?? [];
        LabelColumns = columns;
        FactorColumns = factors;
        Name = name;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Channels per image (1 gray, 3 RGB).</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Bytes per image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>A short description of the source (for messages).</summary>
    public string Name { get; }

    /// <summary>Whether class labels are present.</summary>
    public bool HasLabels => labels is not null;

    /// <summary>The class labels (one per image); empty when the data set has none.</summary>
    public ReadOnlySpan<int> Labels => labels;

    /// <summary>Class names (index = label); empty when unknown.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes: the class-name count, else 1 + the largest label, else 0.</summary>
    public int ClassCount => ClassNames.Count > 0 ? ClassNames.Count : labels is { Length: > 0 } ? labels.Max() + 1 : 0;

    /// <summary>Further integer label columns by name (e.g. binned style factors); each has one value per image.</summary>
    public IReadOnlyDictionary<string, int[]> LabelColumns { get; }

    /// <summary>Continuous per-image values by name (e.g. style factors before binning).</summary>
    public IReadOnlyDictionary<string, float[]> FactorColumns { get; }

    /// <summary>All pixels, NCHW, read-only.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>The pixels of image <paramref name="index"/> (C·H·W bytes).</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"data set has {Count} images");
        return pixels.AsSpan(index * ImageSize, ImageSize);
    }

    /// <summary>The class label of image <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">The data set has no labels.</exception>
    public int Label(int index) => labels is null ? throw new InvalidOperationException($"{Name} has no labels") : labels[index];

    /// <summary>Copies the pixels of the given images into <paramref name="destination"/> (indices.Length·C·H·W bytes).</summary>
    public void CopyPixels(ReadOnlySpan<int> indices, Span<byte> destination)
    {
        int size = ImageSize;
        if (destination.Length != indices.Length * size)
            throw new ArgumentException($"destination holds {destination.Length} bytes, {indices.Length} images need {indices.Length * size}", nameof(destination));
        for (int k = 0; k < indices.Length; k++)
            Image(indices[k]).CopyTo(destination.Slice(k * size, size));
    }

    /// <summary>
    /// The given images as a float32 tensor (n, C, H, W) with values in [0, 1] on <paramref name="device"/>.
    /// The uint8 pixels travel to the device first (4× less to copy), then are converted there.
    /// </summary>
    public Tensor ToTensor(ReadOnlySpan<int> indices, Device? device = null)
    {
        var bytes = new byte[indices.Length * ImageSize];
        CopyPixels(indices, bytes);
        return BytesToTensor(bytes, indices.Length, device ?? CPU);
    }

    /// <summary>All images as a float32 tensor (N, C, H, W) in [0, 1].</summary>
    public Tensor ToTensor(Device? device = null) => BytesToTensor(pixels, Count, device ?? CPU);

    /// <summary>The labels of the given images as an int64 tensor (n).</summary>
    /// <exception cref="InvalidOperationException">The data set has no labels.</exception>
    public Tensor LabelsToTensor(ReadOnlySpan<int> indices, Device? device = null)
    {
        if (labels is null) throw new InvalidOperationException($"{Name} has no labels");
        var values = new long[indices.Length];
        for (int k = 0; k < indices.Length; k++) values[k] = labels[indices[k]];
        return torch.tensor(values, device: device);
    }

    /// <summary>A new data set holding the given images (copied), with their labels and columns.</summary>
    public ImageDataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var bytes = new byte[indices.Length * ImageSize];
        CopyPixels(indices, bytes);
        var idx = indices.ToArray();
        return new ImageDataset(bytes, idx.Length, Channels, Height, Width,
            labels is null ? null : idx.Select(i => labels[i]).ToArray(), ClassNames,
            LabelColumns.ToDictionary(c => c.Key, c => idx.Select(i => c.Value[i]).ToArray()),
            FactorColumns.ToDictionary(c => c.Key, c => idx.Select(i => c.Value[i]).ToArray()),
            name ?? $"{Name} (subset of {idx.Length})");
    }

    private Tensor BytesToTensor(byte[] bytes, int n, Device device)
    {
        using var raw = torch.tensor(bytes, [n, Channels, Height, Width]).to(device, disposeAfter: true);
        return raw.to(ScalarType.Float32).div_(255.0); // as torchvision's ToTensor
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} images of {Channels}x{Height}x{Width}" + (HasLabels ? $", {ClassCount} classes" : "");
}
