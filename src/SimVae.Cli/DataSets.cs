using SimVae.Data;

namespace SimVae.Cli;

/// <summary>The data sets the tool knows by name, and how it loads a split of one.</summary>
internal static class DataSets
{
    public const string FashionMnistName = "fashion-mnist";
    public const string SyntheticName = "synthetic";
    public const string Cifar10Name = "cifar10";
    public const string FolderName = "folder";

    /// <summary>Accepted values of <c>--dataset</c>.</summary>
    public static readonly string[] Names = [FashionMnistName, SyntheticName, Cifar10Name, FolderName];

    /// <summary>Images generated for a split of the synthetic data set when <c>--limit</c> is not given.</summary>
    public const int SyntheticTrainCount = 10_000;

    /// <summary>Test images of the synthetic data set when <c>--limit</c> is not given.</summary>
    public const int SyntheticTestCount = 2_000;

    /// <summary>
    /// Loads <paramref name="split"/> of data set <paramref name="name"/>; keeps the first <paramref name="limit"/>
    /// images when given. <paramref name="shape"/> gives the image shape for generated and decoded data sets
    /// (synthetic: the side; folder: channels and size).
    /// </summary>
    public static ImageDataset Load(string name, DataSplit split, string? path, int? limit, (int Channels, int Height, int Width) shape)
    {
        if (limit is < 1) throw CliException.Usage($"--limit must be at least 1 (got {limit})");
        bool train = split == DataSplit.Train;
        ImageDataset data;
        try
        {
            data = name switch
            {
                FashionMnistName => FashionMnist.Load(split, path),
                SyntheticName => SyntheticShapes.Generate(new SyntheticShapesOptions
                {
                    Count = limit ?? (train ? SyntheticTrainCount : SyntheticTestCount),
                    Size = shape.Height,
                    Seed = train ? 0 : 1,
                }),
                Cifar10Name => Cifar10Reader.LoadSplit(path ?? throw CliException.Usage("--dataset cifar10 needs --data-path: the folder holding data_batch_1..5.bin and test_batch.bin"), train),
                FolderName => LoadFolder(path ?? throw CliException.Usage("--dataset folder needs --data-path: a folder with one sub-folder of images per class (or train/ and test/ folders of those)"), split, shape),
                _ => throw CliException.Usage($"unknown data set '{name}': expected one of {string.Join(", ", Names)}"),
            };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or DataSetFormatException or InvalidDataException)
        {
            throw CliException.Input(e.Message, e);
        }
        if (data.Count == 0) throw CliException.Input($"{data.Name} holds no images" + (path is null ? "" : $" (--data-path '{path}')"));
        if (limit is { } n && n < data.Count)
            data = data.Subset(Enumerable.Range(0, n).ToArray(), $"{data.Name} (first {n})");
        return data;
    }

    /// <summary>
    /// The shape of data set <paramref name="name"/>'s images, known before loading: fixed for FashionMNIST (1×28×28) and
    /// CIFAR-10 (3×32×32), <paramref name="size"/> for generated (gray) and decoded (<paramref name="channels"/>) images.
    /// </summary>
    public static (int Channels, int Height, int Width) Shape(string name, int channels, int size) => name switch
    {
        FashionMnistName => (1, 28, 28),
        Cifar10Name => (3, 32, 32),
        SyntheticName => (1, size, size),
        _ => (channels, size, size),
    };

    private static ImageDataset LoadFolder(string root, DataSplit split, (int Channels, int Height, int Width) shape)
    {
        var named = Path.Combine(root, split == DataSplit.Train ? "train" : "test");
        return ImageFolderReader.Load(Directory.Exists(named) ? named : root, shape.Channels, shape.Height, shape.Width);
    }

    /// <summary>
    /// The folder whose files data set <paramref name="name"/> reads for <paramref name="split"/> (null for generated data,
    /// or when it cannot be found: loading then says why), for <see cref="OutputGuard"/>.
    /// </summary>
    public static string? InputFolder(string name, DataSplit split, string? path)
    {
        if (name == FashionMnistName)
        {
            try { return FashionMnist.Locate(split, path); }
            catch (FileNotFoundException) { return null; }
        }
        return name is Cifar10Name or FolderName ? path : null;
    }

    /// <summary>Parses <c>--split</c>.</summary>
    public static DataSplit ParseSplit(string text) => text switch
    {
        "train" => DataSplit.Train,
        "test" => DataSplit.Test,
        _ => throw CliException.Usage($"unknown split '{text}': expected train or test"),
    };
}
