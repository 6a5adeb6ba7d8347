using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// A batched, randomised image transform. Input: float32 images (N, C, H, W) with values in [0, 1], on any device;
/// the output is a new tensor on the same device. Random parameters are drawn per image from the given
/// <see cref="Random"/> on the host (so a seeded <see cref="Random"/> reproduces the same views on any device),
/// and recorded per image in <c>parameters</c> when one is given — they are the style labels of the views.
/// </summary>
public interface IImageTransform
{
    /// <summary>Transforms a batch; the caller owns the result (or its dispose scope does).</summary>
    /// <param name="images">Float32 (N, C, H, W) in [0, 1]; not modified.</param>
    /// <param name="random">The source of the per-image random parameters.</param>
    /// <param name="parameters">Receives one column per sampled parameter (N values each), or null.</param>
    Tensor Apply(Tensor images, Random random, ViewParameters? parameters = null);
}

/// <summary>Base class of the built-in transforms: input checks, scope handling and mask helpers.</summary>
public abstract class ImageTransform : IImageTransform
{
    /// <inheritdoc />
    public Tensor Apply(Tensor images, Random random, ViewParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(random);
        if (images.dim() != 4) throw new ArgumentException($"{GetType().Name} needs images (N, C, H, W), got shape [{string.Join(", ", images.shape)}]", nameof(images));
        if (images.dtype != ScalarType.Float32) throw new ArgumentException($"{GetType().Name} needs float32 images in [0, 1], got {images.dtype}", nameof(images));
        if (parameters is not null && parameters.Count != images.size(0))
            throw new ArgumentException($"parameters hold {parameters.Count} rows for {images.size(0)} images", nameof(parameters));
        using var scope = NewDisposeScope();
        var result = Transform(images, random, parameters);
        if (ReferenceEquals(result, images)) result = images.clone();
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Transforms a batch with a <see cref="Random"/> seeded by <paramref name="seed"/>.</summary>
    public Tensor Apply(Tensor images, int seed, ViewParameters? parameters = null) => Apply(images, new Random(seed), parameters);

    /// <summary>
    /// The transform itself, called inside a dispose scope (intermediates are freed); it may return
    /// <paramref name="images"/> unchanged (the base class then returns a copy).
    /// </summary>
    protected abstract Tensor Transform(Tensor images, Random random, ViewParameters? parameters);

    /// <summary>Per-image Bernoulli draws: true with probability <paramref name="p"/>.</summary>
    protected static bool[] Draw(Random random, int count, double p)
    {
        var flags = new bool[count];
        for (int i = 0; i < count; i++) flags[i] = p >= 1 || (p > 0 && random.NextDouble() < p);
        return flags;
    }

    /// <summary>A (N, 1, 1, 1) bool mask on <paramref name="device"/>.</summary>
    protected static Tensor Mask(bool[] flags, Device device) => torch.tensor(flags, [flags.Length, 1, 1, 1], device: device);

    /// <summary>A (N, 1, 1, 1) float32 per-image factor on <paramref name="device"/>.</summary>
    protected static Tensor PerImage(float[] values, Device device) => torch.tensor(values, [values.Length, 1, 1, 1], device: device);

    /// <summary>Selects per image: <paramref name="whenTrue"/> where the flag is set, else <paramref name="whenFalse"/>; skips the select when all flags agree.</summary>
    protected static Tensor Select(bool[] flags, Func<Tensor> whenTrue, Tensor whenFalse)
    {
        bool any = Array.IndexOf(flags, true) >= 0, all = Array.IndexOf(flags, false) < 0;
        if (!any) return whenFalse;
        var changed = whenTrue();
        if (all) return changed;
        using var mask = Mask(flags, whenFalse.device);
        return torch.where(mask, changed, whenFalse);
    }

    /// <summary>Flags as 0/1 floats (for parameter columns).</summary>
    protected static float[] AsFloats(bool[] flags) => flags.Select(f => f ? 1f : 0f).ToArray();

    /// <summary>Checks a probability argument.</summary>
    protected static double CheckProbability(double p, string name) =>
        p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(name, p, "a probability must be within [0, 1]");
}
