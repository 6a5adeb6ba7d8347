using SimVae.Augmentations;
using SimVae.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>
/// A style task made of transformed copies of images with known transformation labels: probes are trained on the
/// transformed training copy and scored on the transformed test copy. Owns its image tensors.
/// </summary>
public sealed class TransformedTask : IDisposable
{
    internal TransformedTask(string name, string description, IReadOnlyList<string> classNames, Tensor trainImages, int[] trainLabels, Tensor testImages, int[] testLabels)
    {
        Name = name;
        Description = description;
        ClassNames = classNames;
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
    }

    /// <summary>Task name (e.g. <c>style_vflip</c>).</summary>
    public string Name { get; }

    /// <summary>Exactly how the images and labels were made.</summary>
    public string Description { get; }

    /// <summary>Label names, index = label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>Transformed training images, float32 [N, C, H, W] in [0, 1] on the CPU.</summary>
    public Tensor TrainImages { get; }

    /// <summary>Labels of <see cref="TrainImages"/>.</summary>
    public int[] TrainLabels { get; }

    /// <summary>Transformed test images, float32 [M, C, H, W] in [0, 1] on the CPU.</summary>
    public Tensor TestImages { get; }

    /// <summary>Labels of <see cref="TestImages"/>.</summary>
    public int[] TestLabels { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        TrainImages.Dispose();
        TestImages.Dispose();
    }
}

/// <summary>Which transformation a style task varies.</summary>
public enum StyleTransform
{
    /// <summary>Vertical flip (upside down) with probability 1/2; label 1 = flipped. 2 classes.</summary>
    VerticalFlip,
    /// <summary>Centred square crop resized back to full size; label = bin of the crop's area fraction. 3 classes.</summary>
    CropScale,
    /// <summary>Square crop of half the image area at a random place, resized back; label = 3 × 3 grid cell of its offset. 9 classes.</summary>
    CropPosition,
}

/// <summary>
/// Style tasks: what the augmentations change, as labelled classification tasks.
/// <para><b>Transformed copies</b> (<see cref="Transformed"/>, used for FashionMNIST). Each image gets one transformation whose
/// parameters are drawn class-balanced from a seeded <see cref="Random"/>, and the label says which:</para>
/// <list type="bullet">
/// <item><c>style_vflip</c>: the image is flipped vertically (rows reversed) or not, each with probability 1/2; labels
/// 0 = upright, 1 = flipped. Chance: 50%.</item>
/// <item><c>style_crop_scale</c>: a centred square box of side s pixels is cropped and resized (bilinear, as
/// <see cref="RandomResizedCrop"/>) to the full image size. The box's area fraction a = s²/(H·W) is cut into three bins —
/// 0: a ∈ [0.4, 0.6), 1: [0.6, 0.8), 2: [0.8, 1] (the augmentation's scale range [0.4, 1] in thirds); a bin is drawn
/// uniformly, then s uniformly among the integer sides whose a falls in it (28 px: 18–21, 22–25, 26–28). Chance: 33%.</item>
/// <item><c>style_crop_position</c>: a square box of side s = round(H·√0.5) (28 px: 20, area 0.51) is placed with top and
/// left offsets in 0..H − s (28 px: 0..8), cropped and resized to the full size. Each offset is cut into three equal
/// bins (28 px: 0–2, 3–5, 6–8) and the label is 3·(top bin) + (left bin), i.e. the 3 × 3 cell of the box
/// position (0 = top-left, 8 = bottom-right); the cell is drawn uniformly, then the offsets uniformly within it.
/// Chance: 11%.</item>
/// </list>
/// <para><b>Label columns</b> (<see cref="FromLabelColumns"/>, used for the synthetic shapes): the data set's own
/// ground-truth style factor labels, on the un-transformed images.</para>
/// </summary>
public static class StyleTasks
{
    /// <summary>The transformations <see cref="Transformed"/> builds, in report order.</summary>
    public static IReadOnlyList<StyleTransform> All { get; } = [StyleTransform.VerticalFlip, StyleTransform.CropScale, StyleTransform.CropPosition];

    /// <summary>The task name of a transformation (<c>style_vflip</c>, <c>style_crop_scale</c>, <c>style_crop_position</c>).</summary>
    public static string TaskName(StyleTransform transform) => transform switch
    {
        StyleTransform.VerticalFlip => "style_vflip",
        StyleTransform.CropScale => "style_crop_scale",
        StyleTransform.CropPosition => "style_crop_position",
        _ => throw new ArgumentOutOfRangeException(nameof(transform)),
    };

    /// <summary>
    /// Builds a style task: a transformed copy of <paramref name="trainCount"/> seeded-random training images (the
    /// probes' training set) and of every test image, with their labels (see the class remarks).
    /// </summary>
    public static TransformedTask Transformed(ImageDataset train, ImageDataset test, StyleTransform transform, int trainCount = 10_000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var trainRows = Enumerable.Range(0, train.Count).ToArray();
        new Random(Seeds.Derive(seed, 101)).Shuffle(trainRows);
        trainRows = trainRows[..Math.Min(trainCount, train.Count)];
        Array.Sort(trainRows);
        var (trainImages, trainLabels) = Apply(train, trainRows, transform, new Random(Seeds.Derive(seed, 102, (int)transform)));
        var (testImages, testLabels) = Apply(test, Enumerable.Range(0, test.Count).ToArray(), transform, new Random(Seeds.Derive(seed, 103, (int)transform)));
        return new TransformedTask(TaskName(transform), Describe(transform, train.Height, train.Width), ClassNames(transform), trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>Label names of a transformation's task.</summary>
    public static IReadOnlyList<string> ClassNames(StyleTransform transform) => transform switch
    {
        StyleTransform.VerticalFlip => ["upright", "flipped"],
        StyleTransform.CropScale => ["area 0.4-0.6", "area 0.6-0.8", "area 0.8-1"],
        StyleTransform.CropPosition => ["top-left", "top-centre", "top-right", "middle-left", "centre", "middle-right", "bottom-left", "bottom-centre", "bottom-right"],
        _ => throw new ArgumentOutOfRangeException(nameof(transform)),
    };

    /// <summary>One sentence saying how the task's images and labels are made.</summary>
    public static string Describe(StyleTransform transform, int height, int width) => transform switch
    {
        StyleTransform.VerticalFlip => "vertical flip with p = 1/2; label 1 = flipped (2 classes, chance 50%)",
        StyleTransform.CropScale => $"centred square crop, area fraction bins [0.4,0.6) [0.6,0.8) [0.8,1] (sides {string.Join(" | ", ScaleBins(height, width).Select(b => $"{b.Min()}-{b.Max()} px"))}), resized to {height}x{width} (3 classes, chance 33%)",
        StyleTransform.CropPosition => $"square crop of side {PositionSide(height, width)} px at offsets 0..{Math.Min(height, width) - PositionSide(height, width)}, label = 3x3 cell of (top, left) offset bins, resized to {height}x{width} (9 classes, chance 11%)",
        _ => throw new ArgumentOutOfRangeException(nameof(transform)),
    };

    /// <summary>
    /// Applies one <paramref name="transform"/> to the given rows of <paramref name="data"/> with class-balanced
    /// random parameters; returns float32 images on the CPU and their labels.
    /// </summary>
    public static (Tensor Images, int[] Labels) Apply(ImageDataset data, int[] rows, StyleTransform transform, Random random)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        int n = rows.Length, h = data.Height, w = data.Width;
        var labels = new int[n];
        using var scope = NewDisposeScope();
        var images = data.ToTensor(rows);
        Tensor result;
        switch (transform)
        {
            case StyleTransform.VerticalFlip:
            {
                var flags = new bool[n];
                for (int i = 0; i < n; i++) { flags[i] = random.Next(2) == 1; labels[i] = flags[i] ? 1 : 0; }
                var mask = torch.tensor(flags, [n, 1, 1, 1]);
                result = torch.where(mask, images.flip(2), images);
                break;
            }
            case StyleTransform.CropScale:
            {
                var bins = ScaleBins(h, w);
                var boxes = new CropBox[n];
                for (int i = 0; i < n; i++)
                {
                    labels[i] = random.Next(bins.Length);
                    int s = bins[labels[i]][random.Next(bins[labels[i]].Length)];
                    boxes[i] = new CropBox((h - s) / 2, (w - s) / 2, s, s);
                }
                result = RandomResizedCrop.Crop(images, boxes, h, w);
                break;
            }
            case StyleTransform.CropPosition:
            {
                int s = PositionSide(h, w);
                int rangeY = h - s + 1, rangeX = w - s + 1;
                var boxes = new CropBox[n];
                for (int i = 0; i < n; i++)
                {
                    int cell = random.Next(9);
                    labels[i] = cell;
                    int top = OffsetInBin(cell / 3, rangeY, random), left = OffsetInBin(cell % 3, rangeX, random);
                    boxes[i] = new CropBox(top, left, s, s);
                }
                result = RandomResizedCrop.Crop(images, boxes, h, w);
                break;
            }
            default: throw new ArgumentOutOfRangeException(nameof(transform));
        }
        return (result.DetachFromDisposeScope(), labels);
    }

    /// <summary>The bin (0..2) of an offset in 0..range − 1, cutting the range into three equal parts.</summary>
    public static int OffsetBin(int offset, int range) => Math.Min(2, offset * 3 / range);

    /// <summary>The integer square sides whose area fraction falls in each scale bin [0.4, 0.6), [0.6, 0.8), [0.8, 1].</summary>
    public static int[][] ScaleBins(int height, int width)
    {
        int max = Math.Min(height, width);
        double area = (double)height * width;
        var bins = new List<int>[] { new(), new(), new() };
        for (int s = 1; s <= max; s++)
        {
            double a = s * s / area;
            if (a < 0.4) continue;
            bins[a < 0.6 ? 0 : a < 0.8 ? 1 : 2].Add(s);
        }
        if (bins.Any(b => b.Count == 0)) throw new ArgumentException($"images of {height}x{width} are too small for three crop-scale bins");
        return bins.Select(b => b.ToArray()).ToArray();
    }

    /// <summary>The crop side of the position task: round(min(H, W)·√0.5).</summary>
    public static int PositionSide(int height, int width) => (int)Math.Round(Math.Min(height, width) * Math.Sqrt(0.5));

    private static int OffsetInBin(int bin, int range, Random random)
    {
        var candidates = Enumerable.Range(0, range).Where(o => OffsetBin(o, range) == bin).ToArray();
        if (candidates.Length == 0) throw new ArgumentException($"an offset range of {range} cannot be cut into three bins");
        return candidates[random.Next(candidates.Length)];
    }

    /// <summary>
    /// Style tasks from a data set's own label columns (e.g. <see cref="SyntheticShapes"/>' binned factors): one task
    /// per column, named <c>style_</c> + column name, on the un-transformed images.
    /// </summary>
    public static IReadOnlyList<(string Name, int[] Labels, int Classes)> FromLabelColumns(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.LabelColumns.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => ("style_" + c.Key, c.Value, c.Value.Length == 0 ? 0 : c.Value.Max() + 1)).ToList();
    }
}
