using SimVae.Evaluation;

namespace SimVae.Research;

/// <summary>One evaluation task of a comparison.</summary>
/// <param name="Name"><c>content</c> or <c>style_…</c>.</param>
/// <param name="Kind"><c>content</c> or <c>style</c>.</param>
/// <param name="Classes">Number of classes (chance accuracy = 1 / Classes for balanced tasks).</param>
/// <param name="TrainRows">Rows the probes were trained on (the validation split is carved from them).</param>
/// <param name="TestRows">Rows the probes were scored on.</param>
/// <param name="Description">How the labels were made.</param>
public sealed record TaskInfo(string Name, string Kind, int Classes, int TrainRows, int TestRows, string Description);

/// <summary>The result of training and evaluating one method with one seed.</summary>
/// <param name="Method">Method name (a baseline: no steps, no training time, no losses).</param>
/// <param name="Seed">Seed.</param>
/// <param name="Steps">Optimiser steps trained.</param>
/// <param name="ImagesPerStep">Images per step.</param>
/// <param name="ViewsPerStep">Views (images × J) per step.</param>
/// <param name="TrainSeconds">Training wall time.</param>
/// <param name="EvaluationSeconds">Featurization, probes and diagnostics wall time.</param>
/// <param name="FinalLosses">The last logged loss terms.</param>
/// <param name="Tasks">Probe results per task name.</param>
/// <param name="Diagnostics">Label-free diagnostics of the test features.</param>
/// <param name="LossCurve">The loss as logged.</param>
/// <param name="FeaturizeRowsPerSecond">Images featurized per second (the content task's training and test images, in this run).</param>
public sealed record RunResult(string Method, int Seed, long Steps, int ImagesPerStep, int ViewsPerStep, double TrainSeconds, double EvaluationSeconds,
    IReadOnlyDictionary<string, double> FinalLosses, IReadOnlyDictionary<string, ProbeResult> Tasks, RepresentationDiagnostics Diagnostics,
    IReadOnlyList<LossPoint> LossCurve, double FeaturizeRowsPerSecond);

/// <summary>A logged training loss.</summary>
/// <param name="Step">Optimiser step.</param>
/// <param name="Loss">The total loss at that step.</param>
public readonly record struct LossPoint(double Step, double Loss);

/// <summary>Mean, standard deviation (divisor n − 1; 0 for one value) and the values themselves.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Std">Sample standard deviation.</param>
/// <param name="Values">The values, in seed order.</param>
public sealed record Summary(double Mean, double Std, IReadOnlyList<double> Values)
{
    /// <summary>Summarises <paramref name="values"/> (NaN mean for none).</summary>
    public static Summary Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Summary(double.NaN, double.NaN, values);
        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new Summary(mean, std, values);
    }
}

/// <summary>Everything a comparison produced: settings, tasks and per-run results (summaries are computed from them).</summary>
/// <param name="Options">The settings.</param>
/// <param name="Tasks">The evaluation tasks.</param>
/// <param name="Runs">Finished runs, in run order.</param>
/// <param name="Machine">A description of the machine.</param>
/// <param name="Started">Start time (UTC).</param>
/// <param name="Finished">End time (UTC), or null while running.</param>
/// <param name="StepsPerRun">Optimiser steps per run (the budget).</param>
/// <param name="TrainImages">The images the methods train on (the probes may use fewer: <see cref="ComparisonOptions.ProbeTrainImages"/>).</param>
public sealed record ComparisonResult(ComparisonOptions Options, IReadOnlyList<TaskInfo> Tasks, IReadOnlyList<RunResult> Runs, string Machine,
    DateTime Started, DateTime? Finished, long StepsPerRun, int TrainImages)
{
    /// <summary>Methods with at least one finished run, in the order of the options.</summary>
    public IReadOnlyList<string> Methods => Options.Methods.Where(m => Runs.Any(r => r.Method == m)).ToList();

    /// <summary>Summary over seeds of a probe score of a method on a task (NaN mean when missing).</summary>
    public Summary Score(string method, string task, string score) => Summary.Of(Runs
        .Where(r => r.Method == method && r.Tasks.TryGetValue(task, out var t) && t.Scores.ContainsKey(score))
        .Select(r => r.Tasks[task].Scores[score]).ToList());

    /// <summary>Summary over seeds of the mean of a probe score over all style tasks.</summary>
    public Summary StyleMean(string method, string score) => Summary.Of(Runs.Where(r => r.Method == method)
        .Select(r => r.Tasks.Where(t => t.Key.StartsWith("style", StringComparison.Ordinal) && t.Value.Scores.ContainsKey(score)).Select(t => t.Value.Scores[score]).ToList())
        .Where(v => v.Count > 0).Select(v => v.Average()).ToList());

    /// <summary>Summary over seeds of a run-level number.</summary>
    public Summary RunValue(string method, Func<RunResult, double> value) => Summary.Of(Runs.Where(r => r.Method == method).Select(value).ToList());
}
