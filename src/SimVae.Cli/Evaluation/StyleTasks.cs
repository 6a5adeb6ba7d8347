using SimVae.Data;

namespace SimVae.Cli.Evaluation;

/// <summary>Style tasks derived from any image data set.</summary>
internal static class StyleTasks
{
    /// <summary>
    /// The "flip" task: a copy of <paramref name="data"/> in which about half of the images (chosen by
    /// <paramref name="seed"/>, independently per image) are turned upside down; the label is 1 for a flipped image,
    /// 0 otherwise. What the image shows (the content) is unchanged; only its orientation (a style) differs.
    /// </summary>
    public static ImageDataset Flipped(ImageDataset data, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var pixels = data.Pixels.ToArray();
        var labels = new int[data.Count];
        int rowBytes = data.Width, plane = data.Height * data.Width, image = data.ImageSize;
        var random = new Random(seed);
        var swap = new byte[rowBytes];
        for (int i = 0; i < data.Count; i++)
        {
            if (random.Next(2) == 0) continue;
            labels[i] = 1;
            for (int c = 0; c < data.Channels; c++)
            {
                var p = pixels.AsSpan(i * image + c * plane, plane);
                for (int top = 0, bottom = data.Height - 1; top < bottom; top++, bottom--)
                {
                    var a = p.Slice(top * rowBytes, rowBytes);
                    var b = p.Slice(bottom * rowBytes, rowBytes);
                    a.CopyTo(swap);
                    b.CopyTo(a);
                    swap.CopyTo(b);
                }
            }
        }
        return new ImageDataset(pixels, data.Count, data.Channels, data.Height, data.Width, labels, ["upright", "flipped"], name: $"{data.Name}, half flipped upside down");
    }
}
