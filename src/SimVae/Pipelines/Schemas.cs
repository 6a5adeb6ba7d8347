using SimVae.Bundles;

namespace SimVae.Pipelines;

/// <summary>
/// What a fitted featurizer produces: one fixed-length float32 vector per image.
/// </summary>
/// <param name="Length">F, the number of features per image.</param>
/// <param name="Method">The method that learned the features ("simvae", "vae", "beta-vae", "simclr", "vicreg").</param>
public sealed record FeatureSchema(int Length, string Method)
{
    /// <summary>Element type of the features; always "float32".</summary>
    public string ElementType => "float32";

    /// <inheritdoc />
    public override string ToString() => $"float32[{Length}] ({Method} features)";
}

/// <summary>Checks input descriptions (<see cref="ModelInput"/>) against what a featurizer takes.</summary>
public static class InputSchemaCheck
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> (parameter <paramref name="parameterName"/>) naming every difference
    /// between <paramref name="actual"/> and <paramref name="expected"/>: shape, layout, element type or normalisation.
    /// </summary>
    public static void Require(ModelInput expected, ModelInput actual, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual, parameterName);
        var problems = new List<string>();
        if (actual.Channels != expected.Channels || actual.Height != expected.Height || actual.Width != expected.Width)
            problems.Add($"images are {actual.Channels}x{actual.Height}x{actual.Width} (CxHxW) but the featurizer takes {expected.Channels}x{expected.Height}x{expected.Width}");
        if (!string.Equals(actual.Layout, expected.Layout, StringComparison.OrdinalIgnoreCase))
            problems.Add($"layout is {actual.Layout} but the featurizer takes {expected.Layout}");
        if (!string.Equals(actual.ElementType, expected.ElementType, StringComparison.OrdinalIgnoreCase))
            problems.Add($"element type is {actual.ElementType} but the featurizer takes {expected.ElementType}");
        if (!string.Equals(actual.Normalization, expected.Normalization, StringComparison.Ordinal))
            problems.Add($"normalisation is '{actual.Normalization}' but the featurizer takes '{expected.Normalization}'");
        if (problems.Count > 0)
            throw new ArgumentException($"the input does not fit this featurizer: {string.Join("; ", problems)}", parameterName);
    }
}
