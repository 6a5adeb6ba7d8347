namespace SimVae.Data;

/// <summary>Which part of a data set to load.</summary>
public enum DataSplit
{
    /// <summary>The training split (FashionMNIST: 60,000 images).</summary>
    Train,
    /// <summary>The test split (FashionMNIST: 10,000 images).</summary>
    Test,
}

/// <summary>
/// FashionMNIST (Xiao, Rasul, Vollgraf 2017): 28×28 gray images of 10 clothing classes, 60,000 for training and
/// 10,000 for testing, in IDX files (<c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>,
/// <c>t10k-images-idx3-ubyte[.gz]</c>, <c>t10k-labels-idx1-ubyte[.gz]</c>).
/// <para>Where the files are looked for, first match wins: the explicit <c>path</c> argument (and only it, when
/// given); the folder in the <c>SIMVAE_DATA</c> environment variable, or its <c>fashion-mnist</c> sub-folder;
/// Debian's <c>/usr/share/datasets/fashion-mnist</c> (package <c>dataset-fashion-mnist</c>).</para>
/// </summary>
public static class FashionMnist
{
    /// <summary>The environment variable naming a data folder.</summary>
    public const string DataEnvironmentVariable = "SIMVAE_DATA";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads a split, validated (magic numbers, sizes 28×28, counts, labels 0..9).</summary>
    /// <param name="split">Train (60,000) or test (10,000).</param>
    /// <param name="path">A folder holding the IDX files; null to discover it (see the class remarks).</param>
    /// <exception cref="FileNotFoundException">No folder holds the files; the message says how to get them.</exception>
    /// <exception cref="DataSetFormatException">A file is invalid.</exception>
    public static ImageDataset Load(DataSplit split, string? path = null)
    {
        var folder = Locate(split, path);
        string prefix = split == DataSplit.Train ? "train" : "t10k";
        var images = FindFile(folder, $"{prefix}-images-idx3-ubyte")!;
        var labels = FindFile(folder, $"{prefix}-labels-idx1-ubyte")
            ?? throw new FileNotFoundException($"{folder}: has {Path.GetFileName(images)} but no {prefix}-labels-idx1-ubyte[.gz]");
        var data = IdxReader.Load(images, labels, ClassNames, $"FashionMNIST {split.ToString().ToLowerInvariant()}");
        if (data.Height != 28 || data.Width != 28)
            throw new DataSetFormatException(images, $"FashionMNIST images are 28x28, this file holds {data.Height}x{data.Width}");
        return data;
    }

    /// <summary>Whether the files of <paramref name="split"/> can be found (without loading them).</summary>
    public static bool IsAvailable(DataSplit split = DataSplit.Train, string? path = null)
    {
        try { Locate(split, path); return true; }
        catch (FileNotFoundException) { return false; }
    }

    /// <summary>The folder the files of <paramref name="split"/> are found in.</summary>
    /// <exception cref="FileNotFoundException">No candidate folder holds them; the message lists where it looked and how to get them.</exception>
    public static string Locate(DataSplit split, string? path = null)
    {
        string file = split == DataSplit.Train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
        if (path is not null)
        {
            if (FindFile(path, file) is not null) return path;
            throw new FileNotFoundException($"{path}: no {file}[.gz] there. Put the four FashionMNIST IDX files (train-/t10k- images-idx3-ubyte and labels-idx1-ubyte, .gz or raw) in that folder, or install them with: apt-get install dataset-fashion-mnist");
        }
        var candidates = new List<string>();
        var env = Environment.GetEnvironmentVariable(DataEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            candidates.Add(env);
            candidates.Add(Path.Combine(env, "fashion-mnist"));
        }
        candidates.Add(DebianFolder);
        foreach (var folder in candidates)
            if (FindFile(folder, file) is not null) return folder;
        throw new FileNotFoundException(
            $"FashionMNIST not found (looked for {file}[.gz] in {string.Join(", ", candidates)}). " +
            $"Install it with: apt-get install dataset-fashion-mnist — or put the four IDX files in a folder and pass its path, " +
            $"or set {DataEnvironmentVariable} to that folder.");
    }

    private static string? FindFile(string folder, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var full = Path.Combine(folder, candidate);
            if (File.Exists(full)) return full;
        }
        return null;
    }
}
