using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Backbones;

/// <summary>
/// A small convolutional encoder for 28×28 or 32×32 images: two stride-2 4×4 convolutions (32, 64 channels)
/// with ReLU, then Linear(64·(H/4)·(W/4) → 256) + ReLU + Linear(256 → outputs).
/// </summary>
public sealed class ConvEncoder : Module<Tensor, Tensor>
{
    private readonly Sequential body;

    /// <summary>Creates the encoder for C×H×W inputs (H and W divisible by 4).</summary>
    public ConvEncoder(long channels, long height, long width, long outputs)
    {
        ConvShapes.RequireDivisibleBy4(height, width);
        body = RegisterModule("body", new Sequential(
            new Conv2d(channels, 32, 4, stride: 2, padding: 1), new ReLU(),
            new Conv2d(32, 64, 4, stride: 2, padding: 1), new ReLU(),
            new Flatten(),
            new Linear(64 * (height / 4) * (width / 4), 256), new ReLU(),
            new Linear(256, outputs)));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => body.Forward(input);
}

/// <summary>The mirror of <see cref="ConvEncoder"/>: latents → C×H×W outputs (logits or means).</summary>
public sealed class ConvDecoder : Module<Tensor, Tensor>
{
    private readonly Sequential dense;
    private readonly Sequential deconv;
    private readonly long h4, w4;

    /// <summary>Creates the decoder producing C×H×W (H and W divisible by 4).</summary>
    public ConvDecoder(long latent, long channels, long height, long width)
    {
        ConvShapes.RequireDivisibleBy4(height, width);
        (h4, w4) = (height / 4, width / 4);
        dense = RegisterModule("dense", new Sequential(new Linear(latent, 256), new ReLU(), new Linear(256, 64 * h4 * w4), new ReLU()));
        deconv = RegisterModule("deconv", new Sequential(
            new ConvTranspose2d(64, 32, 4, stride: 2, padding: 1), new ReLU(),
            new ConvTranspose2d(32, channels, 4, stride: 2, padding: 1)));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var hidden = dense.Forward(input);
        using var grid = hidden.View(-1, 64, h4, w4);
        return deconv.Forward(grid);
    }
}

internal static class ConvShapes
{
    internal static void RequireDivisibleBy4(long height, long width)
    {
        if (height % 4 != 0 || width % 4 != 0)
            throw new ArgumentException($"the convolutional backbone needs height and width divisible by 4; got {height}×{width}");
    }
}
