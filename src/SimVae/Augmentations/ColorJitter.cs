using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// Randomly changes brightness, contrast, saturation and hue (torchvision's <c>ColorJitter</c>, applied with
/// probability <see cref="P"/> like <c>RandomApply([ColorJitter(...)], p)</c>). Per image: brightness, contrast and
/// saturation factors are uniform in [max(0, 1 − x), 1 + x], the hue shift uniform in [−hue, hue] (turns); the four
/// adjustments run in a random order per image (torchvision's behaviour) or in the fixed order brightness, contrast,
/// saturation, hue when <see cref="RandomOrder"/> is false (faster: every random order costs up to four passes of each
/// adjustment over the batch). Saturation and hue leave gray images unchanged, as in torchvision.
/// <para>Parameter columns: <c>jitter_applied</c>, <c>jitter_brightness</c>, <c>jitter_contrast</c>,
/// <c>jitter_saturation</c> (factors; 1 = unchanged), <c>jitter_hue</c> (shift; 0 = unchanged).</para>
/// </summary>
public sealed class ColorJitter : ImageTransform
{
    /// <summary>Creates the transform. A strength of 0 disables that adjustment.</summary>
    /// <param name="brightness">Brightness strength (≥ 0).</param>
    /// <param name="contrast">Contrast strength (≥ 0).</param>
    /// <param name="saturation">Saturation strength (≥ 0).</param>
    /// <param name="hue">Hue strength in turns, within [0, 0.5].</param>
    /// <param name="p">Probability of jittering an image at all.</param>
    /// <param name="randomOrder">Random order of the four adjustments per image (torchvision) or a fixed order.</param>
    public ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0, double p = 1.0, bool randomOrder = true)
    {
        if (brightness < 0 || contrast < 0 || saturation < 0) throw new ArgumentOutOfRangeException(nameof(brightness), "jitter strengths must not be negative");
        if (hue is < 0 or > 0.5) throw new ArgumentOutOfRangeException(nameof(hue), hue, "hue must be within [0, 0.5]");
        Brightness = brightness;
        Contrast = contrast;
        Saturation = saturation;
        Hue = hue;
        P = CheckProbability(p, nameof(p));
        RandomOrder = randomOrder;
    }

    /// <summary>Brightness strength.</summary>
    public double Brightness { get; }

    /// <summary>Contrast strength.</summary>
    public double Contrast { get; }

    /// <summary>Saturation strength.</summary>
    public double Saturation { get; }

    /// <summary>Hue strength (turns).</summary>
    public double Hue { get; }

    /// <summary>Probability of jittering an image.</summary>
    public double P { get; }

    /// <summary>Whether each image gets its own random order of the four adjustments.</summary>
    public bool RandomOrder { get; }

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        int n = (int)images.size(0);
        bool gray = images.size(1) == 1;
        var applied = Draw(random, n, P);
        var factors = new float[4][];
        for (int op = 0; op < 4; op++) factors[op] = new float[n];
        var order = new int[n, 4];
        for (int i = 0; i < n; i++)
        {
            int[] perm = [0, 1, 2, 3];
            if (RandomOrder) random.Shuffle(perm);
            for (int s = 0; s < 4; s++) order[i, s] = perm[s];
            factors[0][i] = applied[i] ? Factor(random, Brightness) : 1f;
            factors[1][i] = applied[i] ? Factor(random, Contrast) : 1f;
            factors[2][i] = applied[i] ? Factor(random, Saturation) : 1f;
            factors[3][i] = applied[i] && Hue > 0 ? (float)(-Hue + random.NextDouble() * 2 * Hue) : 0f;
        }
        if (parameters is not null)
        {
            parameters.Add("jitter_applied", AsFloats(applied));
            parameters.Add("jitter_brightness", factors[0]);
            parameters.Add("jitter_contrast", factors[1]);
            parameters.Add("jitter_saturation", factors[2]);
            parameters.Add("jitter_hue", factors[3]);
        }
        bool[] enabled = [Brightness > 0, Contrast > 0, Saturation > 0 && !gray, Hue > 0 && !gray];
        var current = images;
        for (int stage = 0; stage < 4; stage++)
            for (int op = 0; op < 4; op++)
            {
                if (!enabled[op]) continue;
                var at = new bool[n];
                bool any = false;
                for (int i = 0; i < n; i++) any |= at[i] = applied[i] && order[i, stage] == op;
                if (!any) continue;
                current = ApplyOp(current, op, factors[op], at);
            }
        return current;
    }

    private static Tensor ApplyOp(Tensor images, int op, float[] factors, bool[] at)
    {
        var device = images.device;
        var f = new float[factors.Length];
        for (int i = 0; i < f.Length; i++) f[i] = at[i] ? factors[i] : op == 3 ? 0f : 1f;
        var factor = PerImage(f, device);
        // Factor 1 (and shift 0) leave an image unchanged exactly for brightness, contrast and saturation;
        // the HSV round trip of hue does not, so images not due for it are selected back.
        return op switch
        {
            0 => ColorOps.Brightness(images, factor),
            1 => ColorOps.Contrast(images, factor),
            2 => ColorOps.Saturation(images, factor),
            _ => Select(at, () => ColorOps.Hue(images, factor), images),
        };
    }

    private static float Factor(Random random, double strength) =>
        strength <= 0 ? 1f : (float)(Math.Max(0, 1 - strength) + random.NextDouble() * (1 + strength - Math.Max(0, 1 - strength)));
}
