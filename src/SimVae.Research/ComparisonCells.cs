using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SimVae.Engine;

namespace SimVae.Research;

/// <summary>
/// The cells of a comparison folder: one per method × seed × budget, in <c>runs/&lt;method&gt;-seed&lt;seed&gt;-&lt;budget&gt;.json</c>,
/// each holding the settings it ran with and its <see cref="RunResult"/>. A finished cell is kept: a rerun with the same
/// settings reads it instead of running it again, so a long comparison can be run in parts (interrupted and restarted,
/// or a few seeds or methods at a time). A cell written with other settings is refused
/// (<see cref="ComparisonSettingsException"/>), never silently mixed in or overwritten.
/// </summary>
public sealed class ComparisonCells
{
    /// <summary>The budget of the cells of the baselines (<see cref="ComparisonOptions.IsBaseline"/>): the same for every budget.</summary>
    public const string Untrained = "untrained";

    private readonly string folder;
    private readonly JsonObject settings;
    private readonly string budget;

    /// <summary>The cells of <paramref name="options"/>'s output folder (<c>runs/</c> is created on the first save).</summary>
    public ComparisonCells(ComparisonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        folder = Path.Combine(options.OutputFolder, "runs");
        settings = Settings(options);
        budget = options.MaxSteps is { } steps ? $"steps{steps.ToString(CultureInfo.InvariantCulture)}" : $"epochs{options.Epochs.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The folder of the cell files.</summary>
    public string Folder => folder;

    /// <summary>The budget part of a method's cell names: <c>epochs&lt;n&gt;</c>, <c>steps&lt;n&gt;</c>, or <see cref="Untrained"/> for a baseline.</summary>
    public string Budget(string method) => ComparisonOptions.IsBaseline(method) ? Untrained : budget;

    /// <summary>The path of a cell's file.</summary>
    public string CellPath(string method, int seed) => Path.Combine(folder, $"{CellName(method, seed)}.json");

    /// <summary>The path of a cell's training log (the trainer's metrics JSON lines).</summary>
    public string MetricsPath(string method, int seed) => Path.Combine(folder, $"{CellName(method, seed)}.metrics.jsonl");

    /// <summary>
    /// The finished cells among <paramref name="cells"/>, read from their files. Throws
    /// <see cref="ComparisonSettingsException"/> naming the differing settings when a cell's file was written with other
    /// settings, and <see cref="InvalidDataException"/> when a file is not a cell.
    /// </summary>
    public IReadOnlyDictionary<(string Method, int Seed), RunResult> Finished(IEnumerable<(string Method, int Seed)> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var finished = new Dictionary<(string, int), RunResult>();
        foreach (var (method, seed) in cells)
        {
            string path = CellPath(method, seed);
            if (!File.Exists(path)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} is not a comparison cell: {e.Message}", e);
            }
            var differing = Differences(settings, node?["settings"] as JsonObject);
            if (differing.Count > 0) throw new ComparisonSettingsException(path, differing);
            var run = node!["run"].Deserialize<RunResult>(ComparisonReport.JsonOptions)
                ?? throw new InvalidDataException($"{path} is not a comparison cell: no run");
            if (run.Method != method || run.Seed != seed) throw new InvalidDataException($"{path} holds {run.Method} seed {run.Seed}, not {method} seed {seed}");
            finished[(method, seed)] = run;
        }
        return finished;
    }

    /// <summary>Writes a finished cell (whole or not at all: written to a temporary file, then moved into place).</summary>
    public void Save(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Directory.CreateDirectory(folder);
        var cell = new JsonObject { ["settings"] = settings.DeepClone(), ["run"] = JsonSerializer.SerializeToNode(run, ComparisonReport.JsonOptions) };
        string path = CellPath(run.Method, run.Seed), temporary = path + ".partial";
        File.WriteAllText(temporary, cell.ToJsonString(ComparisonReport.JsonOptions));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The settings a cell's result depends on besides its method, seed and budget; cells are reused only when they are
    /// equal. The output folder, the command line, the methods and seeds run, and the data folder (the data set's name
    /// and sizes stand for it) are not among them.
    /// </summary>
    public static JsonObject Settings(ComparisonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["data_set"] = options.DataSet,
            ["train_images"] = options.TrainImages,
            ["probe_train_images"] = options.ProbeTrainImages,
            ["test_images"] = options.TestImages,
            ["synthetic_count"] = options.DataSet == "synthetic" ? options.SyntheticCount : null,
            ["style_train_images"] = options.DataSet == "fashion-mnist" ? options.StyleTrainImages : null,
            ["view_invariance_images"] = options.ViewInvarianceImages,
            ["beta_vae_beta"] = options.BetaVaeBeta,
            ["backbone"] = options.Backbone?.ToString(),
            ["latent_dim"] = options.LatentDim,
            ["learning_rate"] = options.LearningRate,
            ["precision"] = options.Precision.ToString(),
            ["device"] = options.Device.Name(),
            ["log_every"] = options.LogEvery,
            ["probes"] = JsonSerializer.SerializeToNode(options.Probes, ComparisonReport.JsonOptions),
        };
    }

    private string CellName(string method, int seed) => $"{method}-seed{seed.ToString(CultureInfo.InvariantCulture)}-{Budget(method)}";

    private static List<string> Differences(JsonObject expected, JsonObject? actual) =>
        actual is null ? ["settings"]
            : expected.Select(kv => kv.Key).Union(actual.Select(kv => kv.Key))
                .Where(key => !JsonNode.DeepEquals(expected[key], actual[key])).ToList();
}

/// <summary>A comparison folder holds a cell that ran with other settings than the ones asked for.</summary>
public sealed class ComparisonSettingsException : InvalidOperationException
{
    /// <summary>Names the cell's file and the settings that differ.</summary>
    public ComparisonSettingsException(string cellPath, IReadOnlyList<string> settings)
        : base($"{cellPath} was run with other settings ({string.Join(", ", settings)}); rerun with the same settings to resume, or use another output folder")
    {
        CellPath = cellPath;
        Settings = settings;
    }

    /// <summary>The file of the cell.</summary>
    public string CellPath { get; }

    /// <summary>The settings (<see cref="ComparisonCells.Settings"/> names) that differ.</summary>
    public IReadOnlyList<string> Settings { get; }
}
