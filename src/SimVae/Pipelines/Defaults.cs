using SimVae.Backbones;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Training;

namespace SimVae.Pipelines;

/// <summary>
/// The default values of the pipeline API's flat arguments, in one place (as ML.NET's catalogs keep theirs). Each is
/// the constant its options record declares (<see cref="SslOptions"/>, <see cref="SimVaeOptions"/>,
/// <see cref="SimClrOptions"/>, <see cref="TrainerOptions"/>), where the paper's value is written once.
/// </summary>
public static class Defaults
{
    /// <summary>Seed of an <see cref="SslContext"/> created without one: 1234, the SimVAE authors' seed.</summary>
    public const int Seed = TrainerOptions.DefaultSeed;

    /// <summary>Passes over the training images (5).</summary>
    public const int Epochs = TrainerOptions.DefaultEpochs;

    /// <summary>Feature (latent) dimension d: 10, the SimVAE authors' FashionMNIST setting.</summary>
    public const int LatentDimension = SslOptions.DefaultLatentDim;

    /// <summary>Encoder architecture: the authors' MLP.</summary>
    public const BackboneKind Backbone = SslOptions.DefaultBackbone;

    /// <summary>Images per training batch (64; each contributes the method's views).</summary>
    public const int BatchImages = SslOptions.DefaultBatchImages;

    /// <summary>Augmented views per image for SimVAE (J = 2); the VAE baselines use 1, SimCLR and VICReg 2.</summary>
    public const int SimVaeViews = SslOptions.DefaultViews;

    /// <summary>Adam's learning rate for the VAE family (8e-5, the SimVAE authors').</summary>
    public const double SimVaeLearningRate = VariationalOptions.SimVaeLearningRate;

    /// <summary>Adam's learning rate for SimCLR and VICReg (1e-3).</summary>
    public const double ContrastiveLearningRate = SslOptions.DefaultLearningRate;

    /// <summary>β of the β-VAE baseline (4).</summary>
    public const double Beta = SimVaeOptions.DefaultBeta;

    /// <summary>τ of SimCLR's NT-Xent loss (0.5).</summary>
    public const double Temperature = SimClrOptions.DefaultTemperature;

    /// <summary>Images per forward pass when transforming (256).</summary>
    public const int TransformBatchSize = Featurizer.DefaultBatchSize;

    /// <summary>Training progress is reported every this many optimiser steps (50).</summary>
    public const int LogEvery = TrainerOptions.DefaultLogEvery;
}
