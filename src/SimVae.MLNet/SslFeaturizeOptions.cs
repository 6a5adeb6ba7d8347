using SimVae.Engine;
using SimVae.Methods;
using SimVae.Training;
using TorchSharp;

namespace SimVae.MLNet;

/// <summary>
/// Settings of a SimVae featurizer stage in an ML.NET pipeline, shared by every method. The image shape of the input
/// column is the method options' <c>Channels</c>, <c>Height</c> and <c>Width</c>: the column must be a fixed-size
/// vector of C·H·W values in planar (CHW) order, as ImageAnalytics' <c>ExtractPixels</c> produces with
/// <c>interleavePixelColors: false</c> (its default).
/// <list type="table">
/// <listheader><term>column</term><description>type</description></listheader>
/// <item><term>input</term><description><c>Vector&lt;Single, C·H·W&gt;</c> (pixels multiplied by <see cref="InputScale"/> must lie in [0, 1]) or
/// <c>Vector&lt;Byte, C·H·W&gt;</c> (raw 8-bit pixels).</description></item>
/// <item><term>output</term><description><c>Vector&lt;Single, d&gt;</c>, d = the method's <c>LatentDim</c>.</description></item>
/// </list>
/// </summary>
public abstract class SslFeaturizeOptions
{
    /// <summary>The method's settings (input shape included) as the core library's options record.</summary>
    public abstract SslOptions MethodOptions { get; }

    /// <summary>Passes over the training rows (default <see cref="TrainerOptions.DefaultEpochs"/>; SimVAE stages: the recommended preset's); ignored when <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; set; } = TrainerOptions.DefaultEpochs;

    /// <summary>Stop training after this many optimiser steps, if set.</summary>
    public long? MaxSteps { get; set; }

    /// <summary>Seed of weights, data order and augmentations (default <see cref="TrainerOptions.DefaultSeed"/>). ML.NET's own seed is not visible to outside components.</summary>
    public int Seed { get; set; } = TrainerOptions.DefaultSeed;

    /// <summary>
    /// Where <c>Fit</c> trains (default <see cref="Devices.Auto"/>: CUDA when available, else the CPU). The fitted stage
    /// featurizes with ONNX Runtime on the device the <c>MLContext</c> names (<c>GpuDeviceId</c>; the CPU by default).
    /// </summary>
    public torch.Device? Device { get; set; }

    /// <summary>
    /// Precision of training (default <see cref="Engine.Precision.Auto"/>, see <see cref="PrecisionPolicy"/>). The fitted stage
    /// featurizes with ONNX Runtime in float32 whatever the training precision.
    /// </summary>
    public Precision Precision { get; set; } = Precision.Auto;

    /// <summary>
    /// Factor that brings a float input column into [0, 1] (default 1/255, for <c>ExtractPixels</c>' default output of
    /// 0–255 values; use 1 for columns already in [0, 1]). Not used for byte columns, which are always divided by 255.
    /// </summary>
    public float InputScale { get; set; } = 1f / 255f;

    /// <summary>Receives the trainer's progress messages (ML.NET's log is not writable from outside components).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>The trainer's settings; the stage reads the image column once into memory, so nothing is prefetched.</summary>
    internal TrainerOptions TrainerOptions => new()
    {
        Epochs = Epochs, MaxSteps = MaxSteps, Seed = Seed, Device = Device ?? Devices.Auto, Precision = Precision, Prefetch = 0,
    };

    internal void Validate()
    {
        MethodOptions.Validate();
        TrainerOptions.Validate();
        if (!(InputScale > 0) || !float.IsFinite(InputScale))
            throw new ArgumentOutOfRangeException(nameof(InputScale), InputScale, "InputScale must be a positive number");
    }
}

/// <summary>
/// A SimVAE (or VAE, β-VAE) featurizer stage; see <see cref="SslFeaturizeOptions"/> for the columns. Its defaults are the
/// <see cref="SslPresets.Recommended"/> preset (conv encoder, d = 64, 15 epochs); <see cref="SslPresets.Paper"/>'s options
/// (<c>Method = new()</c>, <c>Epochs = 5</c>) reproduce the authors' configuration.
/// </summary>
public sealed class SimVaeFeaturizeOptions : SslFeaturizeOptions
{
    /// <summary>Options with the recommended preset's method settings and epochs.</summary>
    public SimVaeFeaturizeOptions() => Epochs = SslPresets.Recommended.Epochs;

    /// <summary>The method's settings (default: <see cref="SslPresets.Recommended"/>'s, 1×28×28 images, d = 64; sides divisible by 4).</summary>
    public SimVaeOptions Method { get; set; } = (SimVaeOptions)SslPresets.Recommended.CreateOptions();

    /// <inheritdoc />
    public override SslOptions MethodOptions => Method;
}

/// <summary>A SimCLR featurizer stage; see <see cref="SslFeaturizeOptions"/> for the columns.</summary>
public sealed class SimClrFeaturizeOptions : SslFeaturizeOptions
{
    /// <summary>The method's settings (default: <see cref="SimClrOptions"/>' defaults, 1×28×28 images, d = 10).</summary>
    public SimClrOptions Method { get; set; } = new();

    /// <inheritdoc />
    public override SslOptions MethodOptions => Method;
}

/// <summary>A VICReg featurizer stage; see <see cref="SslFeaturizeOptions"/> for the columns.</summary>
public sealed class VicRegFeaturizeOptions : SslFeaturizeOptions
{
    /// <summary>The method's settings (default: <see cref="VicRegOptions"/>' defaults, 1×28×28 images, d = 10).</summary>
    public VicRegOptions Method { get; set; } = new();

    /// <inheritdoc />
    public override SslOptions MethodOptions => Method;
}

/// <summary>
/// A featurizer stage of any registered method (<see cref="SslMethods"/>: CR-VAE, MoCo, BYOL, Barlow Twins, DINO, …), given
/// by its options record; see <see cref="SslFeaturizeOptions"/> for the columns.
/// <code>new SslMethodFeaturizeOptions { Method = new ByolOptions { Height = 28, Width = 28 } }</code>
/// </summary>
public sealed class SslMethodFeaturizeOptions : SslFeaturizeOptions
{
    /// <summary>The method's settings (default: SimVAE's, 1×28×28 images, d = 10); its type selects the method.</summary>
    public SslOptions Method { get; set; } = new SimVaeOptions();

    /// <inheritdoc />
    public override SslOptions MethodOptions => Method ?? throw new ArgumentNullException(nameof(Method), "Method must be set to a method's options");
}
