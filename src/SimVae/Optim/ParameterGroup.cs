using TorchSharp.Modules;

namespace SimVae.Optim;

/// <summary>
/// Parameters trained at one peak learning rate, independent of the optimiser (PyTorch's param group before the
/// optimiser fills in its defaults): a method lists its groups, <c>OptimizerSetup</c> turns them into the chosen
/// optimiser's groups, and the schedule scales each group's peak rate by the same factor.
/// </summary>
public sealed class ParameterGroup
{
    /// <summary>Creates a group.</summary>
    /// <param name="parameters">The parameters (enumerated once, here).</param>
    /// <param name="learningRate">The group's peak learning rate, or null for the optimiser's.</param>
    /// <exception cref="ArgumentException">A parameter is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite.</exception>
    public ParameterGroup(IEnumerable<Parameter> parameters, double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        if (Parameters.Any(p => p is null)) throw new ArgumentException("a parameter is null", nameof(parameters));
        if (learningRate is { } lr && !(lr >= 0 && double.IsFinite(lr)))
            throw new ArgumentOutOfRangeException(nameof(learningRate), lr, "must be a finite non-negative number");
        LearningRate = learningRate;
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The group's peak learning rate, or null for the optimiser's.</summary>
    public double? LearningRate { get; }
}
