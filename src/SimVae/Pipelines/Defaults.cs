using SimVae.Featurization;
using SimVae.Methods;

namespace SimVae.Pipelines;

/// <summary>
/// The default values of the pipeline API's flat arguments, in one place (as ML.NET's catalogs keep theirs). Each
/// method's own hyperparameters default to the paper values documented on its options record
/// (<see cref="SimVaeOptions"/>, <see cref="SimClrOptions"/>, <see cref="VicRegOptions"/>); the values below repeat
/// those that the flat overloads expose, and a test keeps the two in agreement.
/// </summary>
public static class Defaults
{
    /// <summary>Seed of an <see cref="SslContext"/> created without one: 1234, the SimVAE authors' seed.</summary>
    public const int Seed = 1234;

    /// <summary>Passes over the training images (5).</summary>
    public const int Epochs = 5;

    /// <summary>Feature (latent) dimension d: 10, the SimVAE authors' FashionMNIST setting.</summary>
    public const int LatentDimension = 10;

    /// <summary>Encoder architecture: the authors' MLP.</summary>
    public const BackboneKind Backbone = BackboneKind.Mlp;

    /// <summary>Images per training batch (64; each contributes the method's views).</summary>
    public const int BatchImages = 64;

    /// <summary>Augmented views per image for SimVAE (J = 2); the VAE baselines use 1, SimCLR and VICReg 2.</summary>
    public const int SimVaeViews = 2;

    /// <summary>Adam's learning rate for the VAE family (8e-5, the SimVAE authors').</summary>
    public const double SimVaeLearningRate = 8e-5;

    /// <summary>Adam's learning rate for SimCLR and VICReg (1e-3).</summary>
    public const double ContrastiveLearningRate = 1e-3;

    /// <summary>β of the β-VAE baseline (4).</summary>
    public const double Beta = 4;

    /// <summary>τ of SimCLR's NT-Xent loss (0.5).</summary>
    public const double Temperature = 0.5;

    /// <summary>Images per forward pass when transforming (256).</summary>
    public const int TransformBatchSize = Featurizer.DefaultBatchSize;

    /// <summary>Training progress is reported every this many optimiser steps (50).</summary>
    public const int LogEvery = 50;
}
