using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// A loss to minimise plus its named terms for logging. Owns <see cref="Total"/>; the terms are plain numbers
/// (read after the step, so logging costs one host copy per term).
/// </summary>
/// <param name="Total">The scalar to call <c>backward()</c> on.</param>
/// <param name="Terms">Named, detached scalar tensors (e.g. "recon", "entropy", "prior").</param>
public sealed record LossTerms(Tensor Total, IReadOnlyDictionary<string, Tensor> Terms)
{
    /// <summary>
    /// Builds the result of a loss computed inside its own dispose scope: the total and detached copies of the terms
    /// move to the scope outside it, everything else the loss created is freed with its scope.
    /// </summary>
    internal static LossTerms FromScope(Tensor total, params (string Name, Tensor Value)[] terms)
    {
        var dict = new Dictionary<string, Tensor>();
        foreach (var (name, value) in terms) dict[name] = value.detach().MoveToOuterDisposeScope();
        return new LossTerms(total.MoveToOuterDisposeScope(), dict);
    }

    /// <summary>Hands the total and every term to the dispose scope outside the current one.</summary>
    public LossTerms MoveToOuterScope()
    {
        Total.MoveToOuterDisposeScope();
        foreach (var t in Terms.Values) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>The terms' values as numbers (one host copy each), the total as <c>loss</c>.</summary>
    public Dictionary<string, double> Values()
    {
        var values = new Dictionary<string, double> { ["loss"] = Total.ToDouble() };
        foreach (var (name, t) in Terms) values[name] = t.ToDouble();
        return values;
    }

    /// <summary>"[a, b, c]" for error messages.</summary>
    internal static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
