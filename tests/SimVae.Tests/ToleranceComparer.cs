using System.Collections;

namespace SimVae.Tests;

/// <summary>Compares floats within an absolute tolerance (for CollectionAssert).</summary>
internal sealed class ToleranceComparer(double tolerance) : IComparer
{
    public int Compare(object? x, object? y) =>
        Math.Abs(Convert.ToDouble(x) - Convert.ToDouble(y)) <= tolerance ? 0 : Comparer.Default.Compare(x, y);
}
