using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>Applies transforms in sequence; each records its parameter columns (see each transform).</summary>
public sealed class Compose : ImageTransform
{
    /// <summary>Creates the composition (applied first to last).</summary>
    public Compose(params IImageTransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        if (transforms.Any(t => t is null)) throw new ArgumentException("a transform is null", nameof(transforms));
        Transforms = transforms.ToArray();
    }

    /// <summary>The transforms, in order.</summary>
    public IReadOnlyList<IImageTransform> Transforms { get; }

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        var current = images;
        foreach (var transform in Transforms) current = transform.Apply(current, random, parameters);
        return current;
    }
}

/// <summary>
/// J augmented views of every image of a batch (lightly's multi-view transform): the views are stacked
/// view-major — rows [j·N, (j + 1)·N) hold view j of images 0..N−1 — so <c>views.Chunk(J)</c> gives one tensor per
/// view, matching <c>torch.cat([view_1, ..., view_J])</c>. With one transform for all views the batch is repeated J
/// times and transformed in one pass (one grid sample for all J·N crops); with one transform per view (asymmetric
/// views, as BYOL) each view is transformed separately. Random parameters are drawn in row order.
/// </summary>
public sealed class MultiViewTransform
{
    private readonly IImageTransform[] perView;
    private readonly bool shared;

    /// <summary><paramref name="views"/> views from the same transform.</summary>
    public MultiViewTransform(IImageTransform transform, int views = 2)
    {
        ArgumentNullException.ThrowIfNull(transform);
        if (views < 1) throw new ArgumentOutOfRangeException(nameof(views), views, "at least one view");
        perView = Enumerable.Repeat(transform, views).ToArray();
        shared = true;
    }

    /// <summary>One view per transform (view j from <paramref name="transforms"/>[j]).</summary>
    public MultiViewTransform(params IImageTransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        if (transforms.Length == 0 || transforms.Any(t => t is null)) throw new ArgumentException("give at least one non-null transform", nameof(transforms));
        perView = transforms.ToArray();
        shared = false;
    }

    /// <summary>J, the number of views per image.</summary>
    public int Views => perView.Length;

    /// <summary>The transform of each view.</summary>
    public IReadOnlyList<IImageTransform> Transforms => perView;

    /// <summary>Produces the J·N views (view-major) and, when <paramref name="parameters"/> is wanted, their J·N parameter rows.</summary>
    /// <param name="images">Float32 (N, C, H, W) in [0, 1].</param>
    /// <param name="random">Source of the random parameters.</param>
    /// <param name="parameters">Set to the sampled parameters (J·N rows, view-major), or null when <paramref name="recordParameters"/> is false.</param>
    /// <param name="recordParameters">Whether to record the parameters.</param>
    public Tensor Apply(Tensor images, Random random, out ViewParameters? parameters, bool recordParameters = true)
    {
        ArgumentNullException.ThrowIfNull(images);
        int n = (int)images.size(0);
        using var scope = NewDisposeScope();
        Tensor result;
        if (shared)
        {
            var repeated = Views == 1 ? images : images.repeat(Views, 1, 1, 1);
            parameters = recordParameters ? new ViewParameters(n * Views) : null;
            result = perView[0].Apply(repeated, random, parameters);
        }
        else
        {
            var parts = new Tensor[Views];
            var partParameters = new ViewParameters[Views];
            for (int j = 0; j < Views; j++)
            {
                partParameters[j] = new ViewParameters(n);
                parts[j] = perView[j].Apply(images, random, recordParameters ? partParameters[j] : null);
            }
            parameters = recordParameters ? ViewParameters.Concat(partParameters) : null;
            result = Views == 1 ? parts[0] : torch.cat(parts, 0);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Produces the J·N views (view-major) without recording parameters.</summary>
    public Tensor Apply(Tensor images, Random random) => Apply(images, random, out _, recordParameters: false);

    /// <summary>Produces the J·N views from a <see cref="Random"/> seeded by <paramref name="seed"/>.</summary>
    public Tensor Apply(Tensor images, int seed, out ViewParameters? parameters) => Apply(images, new Random(seed), out parameters);
}
