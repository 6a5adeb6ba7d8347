using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SimVae.Evaluation;

namespace SimVae.Research;

/// <summary>
/// Writes a comparison's report folder: <c>report.md</c> (tables of mean ± std over seeds), <c>report.json</c> (per
/// method, task and probe: mean, std and the per-seed values; diagnostics; training cost; every run) and the charts
/// (<see cref="ComparisonCharts"/>: <c>accuracy.png</c>/<c>.svg</c>, <c>losses.png</c>/<c>.svg</c>).
/// </summary>
public static class ComparisonReport
{
    /// <summary>JSON settings of the report and cell files (indented, snake_case names, non-finite numbers as strings).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly Dictionary<string, string> ScoreTitles = new()
    {
        ["linear"] = "linear", ["mlp"] = "MLP", ["knn_euclidean"] = "kNN (eucl.)", ["knn_cosine"] = "kNN (cos.)",
        ["gmm_acc"] = "GMM acc", ["gmm_nmi"] = "GMM NMI", ["gmm_ari"] = "GMM ARI",
    };

    /// <summary>Writes all report files into <paramref name="folder"/>.</summary>
    public static void Write(ComparisonResult result, string folder)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), Json(result).ToJsonString(JsonOptions));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(result));
        ComparisonCharts.Write(result, folder);
    }

    /// <summary>The JSON document of the report.</summary>
    public static JsonObject Json(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var methods = new JsonObject();
        foreach (var method in result.Methods)
        {
            var tasks = new JsonObject();
            foreach (var task in result.Tasks)
            {
                var probes = new JsonObject();
                foreach (var score in ProbeSuite.ScoreNames)
                {
                    var s = result.Score(method, task.Name, score);
                    if (s.Values.Count > 0) probes[score] = SummaryJson(s);
                }
                tasks[task.Name] = probes;
            }
            var styleMean = new JsonObject();
            foreach (var score in ProbeSuite.ScoreNames)
            {
                var s = result.StyleMean(method, score);
                if (s.Values.Count > 0) styleMean[score] = SummaryJson(s);
            }
            tasks["style_mean"] = styleMean;
            methods[method] = new JsonObject
            {
                ["tasks"] = tasks,
                ["diagnostics"] = new JsonObject
                {
                    ["log_det_covariance"] = SummaryJson(result.RunValue(method, r => r.Diagnostics.LogDetCovariance)),
                    ["effective_rank"] = SummaryJson(result.RunValue(method, r => r.Diagnostics.EffectiveRank)),
                    ["view_invariance"] = SummaryJson(result.RunValue(method, r => r.Diagnostics.ViewInvariance ?? double.NaN)),
                    ["collapsed_dimensions"] = SummaryJson(result.RunValue(method, r => r.Diagnostics.CollapsedDimensions)),
                    ["collapse_warning_runs"] = result.Runs.Count(r => r.Method == method && r.Diagnostics.CollapseWarning),
                },
                ["training"] = new JsonObject
                {
                    ["seconds"] = SummaryJson(result.RunValue(method, r => r.TrainSeconds)),
                    ["views_per_second"] = SummaryJson(result.RunValue(method, r => r.Steps * r.ViewsPerStep / Math.Max(r.TrainSeconds, 1e-9))),
                    ["final_loss"] = SummaryJson(result.RunValue(method, r => r.FinalLosses.GetValueOrDefault("loss", double.NaN))),
                    ["views_per_step"] = result.Runs.First(r => r.Method == method).ViewsPerStep,
                    ["evaluation_seconds"] = SummaryJson(result.RunValue(method, r => r.EvaluationSeconds)),
                    ["featurize_rows_per_second"] = SummaryJson(result.RunValue(method, r => r.FeaturizeRowsPerSecond)),
                    ["baseline"] = ComparisonOptions.IsBaseline(method),
                },
            };
        }
        return new JsonObject
        {
            ["dataset"] = o.DataSet,
            ["command"] = o.CommandLine,
            ["machine"] = result.Machine,
            ["started_utc"] = result.Started.ToString("u", CultureInfo.InvariantCulture),
            ["finished_utc"] = result.Finished?.ToString("u", CultureInfo.InvariantCulture),
            ["complete"] = result.Finished is not null,
            ["budget"] = new JsonObject
            {
                ["epochs"] = o.MaxSteps is null ? o.Epochs : null,
                ["max_steps"] = o.MaxSteps,
                ["steps_per_run"] = result.StepsPerRun,
                ["images_per_step"] = result.Runs.FirstOrDefault(r => !ComparisonOptions.IsBaseline(r.Method))?.ImagesPerStep,
                ["train_images"] = result.TrainImages,
            },
            ["seeds"] = new JsonArray(o.Seeds.Select(s => (JsonNode)s).ToArray()),
            ["beta_vae_beta"] = o.BetaVaeBeta,
            ["backbone"] = o.Backbone?.ToString(),
            ["latent_dim"] = o.LatentDim,
            ["learning_rate"] = o.LearningRate,
            ["probes"] = new JsonObject
            {
                ["validation_fraction"] = o.Probes.ValidationFraction,
                ["linear_l2_grid"] = new JsonArray(o.Probes.L2Grid.Select(v => (JsonNode)v).ToArray()),
                ["mlp"] = $"1 hidden layer of {o.Probes.MlpOptions.Hidden} (ReLU), Adam lr {o.Probes.MlpOptions.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {o.Probes.MlpOptions.BatchSize}, up to {o.Probes.MlpOptions.Epochs} epochs (best on validation)",
                ["knn_k_max"] = o.Probes.KMax,
                ["gmm_initializations"] = o.Probes.GmmInitializations,
                ["gmm_covariance"] = "diagonal",
            },
            ["tasks"] = new JsonObject(result.Tasks.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)new JsonObject
            {
                ["kind"] = t.Kind, ["classes"] = t.Classes, ["train_rows"] = t.TrainRows, ["test_rows"] = t.TestRows, ["description"] = t.Description,
            }))),
            ["methods"] = methods,
            ["runs"] = new JsonArray(result.Runs.Select(r => JsonSerializer.SerializeToNode(r, JsonOptions)).ToArray()),
        };
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine($"# Comparison on {o.DataSet}{(result.Finished is null ? " (partial: still running or interrupted)" : "")}");
        md.AppendLine();
        if (o.CommandLine is not null) md.AppendLine($"Command: `{o.CommandLine}`  ");
        md.AppendLine($"Machine: {result.Machine}  ");
        md.AppendLine($"Started {result.Started:u}{(result.Finished is { } f ? $", finished {f:u} ({(f - result.Started).TotalMinutes:F0} min)" : "")}.  ");
        var first = result.Runs.FirstOrDefault(r => !ComparisonOptions.IsBaseline(r.Method));
        md.AppendLine($"Budget, equal for every method: {result.StepsPerRun} optimiser steps of {first?.ImagesPerStep} images " +
                      $"({(o.MaxSteps is null ? $"{o.Epochs} epoch(s)" : $"{o.MaxSteps} steps")} over {result.TrainImages} training images); seeds {string.Join(", ", o.Seeds)}. " +
                      $"Two-view methods see 2 views per image per step, the VAE baselines 1. Each method runs with its defaults (β-VAE: β = {o.BetaVaeBeta.ToString(CultureInfo.InvariantCulture)})" +
                      (o.Backbone is null && o.LatentDim is null && o.LearningRate is null ? ". " : $", except: {string.Join(", ", new[] { o.Backbone is { } b ? $"backbone {b}" : null, o.LatentDim is { } d ? $"d = {d}" : null, o.LearningRate is { } lr ? $"learning rate {lr.ToString(CultureInfo.InvariantCulture)}" : null }.Where(x => x is not null))}. ") +
                      "Baselines are not trained (pixels: the raw pixels in [0, 1]; resnet18: ML.NET's pretrained ResNet-18 featurizer on the images resized to 224 × 224 RGB as ML.NET's ResizeImages does).");
        md.AppendLine();
        md.AppendLine("Numbers are test-set accuracies in % (GMM NMI/ARI × 100), mean ± std over seeds. Probes are fitted on frozen features " +
                      $"(posterior means for the VAE family, backbone outputs for SimCLR/VICReg), standardised with training statistics; hyperparameters " +
                      $"(λ of the linear probe, k of kNN ∈ 1..{o.Probes.KMax}, the MLP's epoch) are chosen on a {o.Probes.ValidationFraction:P0} validation split of the training rows.");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine("| method | content linear | content MLP | content kNN | content GMM acc | style linear (mean) | style kNN (mean) | eff. rank | view inv. | train s | featurize rows/s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var m in result.Methods)
        {
            md.AppendLine($"| {m} | {Pct(result.Score(m, "content", "linear"))} | {Pct(result.Score(m, "content", "mlp"))} | {Pct(result.Score(m, "content", "knn_euclidean"))} | " +
                          $"{Pct(result.Score(m, "content", "gmm_acc"))} | {Pct(result.StyleMean(m, "linear"))} | {Pct(result.StyleMean(m, "knn_euclidean"))} | " +
                          $"{Plain(result.RunValue(m, r => r.Diagnostics.EffectiveRank), "F2")} | {Plain(result.RunValue(m, r => r.Diagnostics.ViewInvariance ?? double.NaN), "F3")} | " +
                          $"{Plain(result.RunValue(m, r => r.TrainSeconds), "F0")} | {Plain(result.RunValue(m, r => r.FeaturizeRowsPerSecond), "F0")} |");
        }
        md.AppendLine();
        md.AppendLine("![content vs style accuracy](accuracy.svg)");
        md.AppendLine();
        md.AppendLine("## The paper's expectations at this budget");
        md.AppendLine();
        foreach (var line in Expectations(result)) md.AppendLine($"- {line}");
        md.AppendLine();
        md.AppendLine("## Every probe on every task");
        foreach (var task in result.Tasks)
        {
            md.AppendLine();
            md.AppendLine($"### {task.Name} ({task.Classes} classes, chance {100.0 / task.Classes:F1}%)");
            md.AppendLine();
            md.AppendLine($"{task.Description}. Probes trained on {task.TrainRows} rows, scored on {task.TestRows}.");
            md.AppendLine();
            md.AppendLine("| method | " + string.Join(" | ", ProbeSuite.ScoreNames.Select(s => ScoreTitles[s])) + " |");
            md.AppendLine("|---|" + string.Concat(ProbeSuite.ScoreNames.Select(_ => "---|")));
            foreach (var m in result.Methods)
                md.AppendLine($"| {m} | " + string.Join(" | ", ProbeSuite.ScoreNames.Select(s => Pct(result.Score(m, task.Name, s)))) + " |");
        }
        md.AppendLine();
        md.AppendLine("## Label-free diagnostics (test features)");
        md.AppendLine();
        md.AppendLine("log det Cov(Z) is the Gaussian entropy proxy; effective rank = exp(entropy of the normalised covariance eigenvalues) out of d; " +
                      "view invariance = mean distance between two augmented views of an image / mean distance between different images (lower = more invariant).");
        md.AppendLine();
        md.AppendLine("| method | log det Cov | effective rank | collapsed dims | view invariance | runs with collapse warning |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var m in result.Methods)
            md.AppendLine($"| {m} | {Plain(result.RunValue(m, r => r.Diagnostics.LogDetCovariance), "F2")} | {Plain(result.RunValue(m, r => r.Diagnostics.EffectiveRank), "F2")} | " +
                          $"{Plain(result.RunValue(m, r => r.Diagnostics.CollapsedDimensions), "F1")} | {Plain(result.RunValue(m, r => r.Diagnostics.ViewInvariance ?? double.NaN), "F3")} | " +
                          $"{result.Runs.Count(r => r.Method == m && r.Diagnostics.CollapseWarning)}/{result.Runs.Count(r => r.Method == m)} |");
        md.AppendLine();
        md.AppendLine("## Training");
        md.AppendLine();
        md.AppendLine("| method | views/step | train s | views/s | final loss | evaluation s |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var m in result.Methods)
            md.AppendLine($"| {m} | {result.Runs.First(r => r.Method == m).ViewsPerStep} | {Plain(result.RunValue(m, r => r.TrainSeconds), "F0")} | " +
                          $"{Plain(result.RunValue(m, r => r.Steps * r.ViewsPerStep / Math.Max(r.TrainSeconds, 1e-9)), "F0")} | " +
                          $"{Plain(result.RunValue(m, r => r.FinalLosses.GetValueOrDefault("loss", double.NaN)), "G4")} | {Plain(result.RunValue(m, r => r.EvaluationSeconds), "F0")} |");
        md.AppendLine();
        md.AppendLine("![loss curves](losses.svg)");
        var generative = result.Methods.Where(m => File.Exists(Path.Combine(o.OutputFolder, $"{m}-reconstructions.png"))).ToList();
        if (generative.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Reconstructions and samples (first seed)");
            md.AppendLine();
            md.AppendLine("Top row: one test image per class; bottom row: its reconstruction from the posterior mean. Samples decode z ~ N(0, I).");
            foreach (var m in generative)
            {
                md.AppendLine();
                md.AppendLine($"{m}: ![{m} reconstructions]({m}-reconstructions.png) ![{m} samples]({m}-samples.png)");
            }
        }
        return md.ToString();
    }

    /// <summary>Checks the paper's expected orderings on the linear probe and says whether each holds (and by how much).</summary>
    public static IReadOnlyList<string> Expectations(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var lines = new List<string>();
        var methods = result.Methods;
        if (!methods.Contains("simvae")) return ["SimVAE was not run."];
        foreach (var (other, kind) in new[] { ("vae", "content"), ("beta-vae", "content"), ("simclr", "style"), ("vicreg", "style") })
        {
            if (!methods.Contains(other)) continue;
            foreach (var score in new[] { "linear", "knn_euclidean" })
            {
                var a = kind == "content" ? result.Score("simvae", "content", score) : result.StyleMean("simvae", score);
                var b = kind == "content" ? result.Score(other, "content", score) : result.StyleMean(other, score);
                if (a.Values.Count == 0 || b.Values.Count == 0) continue;
                double diff = 100 * (a.Mean - b.Mean);
                double noise = 100 * Math.Sqrt((a.Std * a.Std + b.Std * b.Std) / Math.Max(1, Math.Min(a.Values.Count, b.Values.Count)));
                bool single = Math.Min(a.Values.Count, b.Values.Count) < 2;
                string verdict = diff > 0 ? (single ? "holds (one seed: no error estimate)" : diff > 2 * noise ? "holds" : "holds, but within ~2 standard errors") : "does NOT hold";
                lines.Add($"SimVAE {kind}{(kind == "style" ? " (mean over style tasks)" : "")} {ScoreTitles[score]} > {other}: {100 * a.Mean:F1}% vs {100 * b.Mean:F1}% (Δ {diff:+0.0;-0.0} points, ± {noise:F1}) — {verdict}.");
            }
        }
        if (lines.Count == 0) lines.Add("None of the methods the paper compares SimVAE with (vae, beta-vae, simclr, vicreg) was run.");
        return lines;
    }

    private static JsonObject SummaryJson(Summary s) => new()
    {
        ["mean"] = Number(s.Mean), ["std"] = Number(s.Std), ["values"] = new JsonArray(s.Values.Select(Number).ToArray()),
    };

    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;

    private static string Pct(Summary s) => s.Values.Count == 0 || double.IsNaN(s.Mean) ? "–" : $"{100 * s.Mean:F1} ± {100 * s.Std:F1}";

    private static string Plain(Summary s, string format) => s.Values.Count == 0 || double.IsNaN(s.Mean) ? "–"
        : $"{s.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {s.Std.ToString(format, CultureInfo.InvariantCulture)}";
}
