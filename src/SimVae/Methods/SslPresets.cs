using SimVae.Backbones;

namespace SimVae.Methods;

/// <summary>
/// A named starting configuration for training: a method, its encoder, feature dimension d, learning rate and
/// training length. <see cref="Apply"/> puts the preset's encoder and d on any method's options (and its learning
/// rate on its own method's), so a user who names only a method still gets the preset's architecture.
/// </summary>
/// <param name="Name">The name the CLI and the ML.NET options take (<c>recommended</c>, <c>paper</c>).</param>
/// <param name="Description">What it is and what it was measured to give.</param>
/// <param name="Method">The method (<see cref="SslMethods"/>).</param>
/// <param name="Backbone">The encoder (and decoder).</param>
/// <param name="LatentDim">The feature dimension d.</param>
/// <param name="LearningRate">The peak learning rate for its method (null: the method's paper value).</param>
/// <param name="Epochs">Passes over the training images.</param>
public sealed record SslPreset(string Name, string Description, string Method, BackboneKind Backbone, int LatentDim, double? LearningRate, int Epochs)
{
    /// <summary>The preset's method with its paper defaults and the preset's settings.</summary>
    public SslOptions CreateOptions() => Apply(SslMethods.Defaults(Method), Method);

    /// <summary><paramref name="options"/> (of the method <paramref name="method"/>) with the preset's encoder and d, and its learning rate when the method is the preset's.</summary>
    public SslOptions Apply(SslOptions options, string method)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            Backbone = Backbone,
            LatentDim = LatentDim,
            LearningRate = method == Method && LearningRate is { } rate ? rate : options.LearningRate,
        };
    }
}

/// <summary>The presets: <see cref="Recommended"/>, the default of <c>simvae train</c> and the ML.NET stages, and <see cref="Paper"/>.</summary>
public static class SslPresets
{
    /// <summary>The recommended preset's d (a constant, for optional parameters).</summary>
    public const int RecommendedLatentDim = 64;

    /// <summary>The recommended preset's epochs (a constant, for optional parameters).</summary>
    public const int RecommendedEpochs = 15;

    /// <summary>
    /// SimVAE with the small convolutional encoder, d = 64, Adam at 3e-4, 15 epochs: chosen on a validation split of
    /// FashionMNIST's training images; its features beat the raw pixels on content and style and ML.NET's pretrained
    /// ResNet-18 with kNN on every task and on crop position with both probes (not with a linear probe on content, flip or
    /// crop scale), at ~860× ResNet-18's featurizing speed (docs/results/recipe.md, 3 seeds).
    /// About 8 minutes for FashionMNIST's 60,000 images on 2 CPU cores.
    /// </summary>
    public static SslPreset Recommended { get; } = new("recommended",
        "SimVAE, conv encoder, d = 64, Adam 3e-4, 15 epochs (measured against raw pixels and ResNet-18 features in docs/results/recipe.md)",
        "simvae", BackboneKind.Conv, RecommendedLatentDim, 3e-4, RecommendedEpochs);

    /// <summary>The SimVAE authors' FashionMNIST configuration (MLP, d = 10, Adam 8e-5, 5 epochs), for reproducing the paper.</summary>
    public static SslPreset Paper { get; } = new("paper",
        "the SimVAE authors' FashionMNIST configuration: MLP, d = 10, Adam 8e-5, 5 epochs (reproduces the paper)",
        "simvae", BackboneKind.Mlp, SslOptions.DefaultLatentDim, null, 5);

    /// <summary>Every preset.</summary>
    public static IReadOnlyList<SslPreset> All { get; } = [Recommended, Paper];

    /// <summary>The preset names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name)];

    /// <summary>The preset called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No preset has that name; the message lists them.</exception>
    public static SslPreset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"unknown preset '{name}'; expected one of {string.Join(", ", Names)}", nameof(name));
}
