using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Conv2d = SimVae.Engine.Conv2d;
using ConvTranspose2d = SimVae.Engine.ConvTranspose2d;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Backbones;

/// <summary>
/// A small convolutional encoder for 28×28 or 32×32 images: two stride-2 4×4 convolutions (32, 64 channels)
/// with ReLU, then Linear(64·(H/4)·(W/4) → 256) + ReLU + Linear(256 → outputs).
/// </summary>
public sealed class ConvEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Sequential body;

    /// <summary>Creates the encoder for C×H×W inputs (H and W divisible by 4).</summary>
    public ConvEncoder(long channels, long height, long width, long outputs) : base(nameof(ConvEncoder))
    {
        ConvShapes.RequireDivisibleBy4(height, width);
        body = nn.Sequential(
            new Conv2d(channels, 32, 4, stride: 2, padding: 1), nn.ReLU(),
            new Conv2d(32, 64, 4, stride: 2, padding: 1), nn.ReLU(),
            nn.Flatten(),
            new Linear(64 * (height / 4) * (width / 4), 256), nn.ReLU(),
            new Linear(256, outputs));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => body.forward(input);
}

/// <summary>The mirror of <see cref="ConvEncoder"/>: latents → C×H×W outputs (logits or means).</summary>
public sealed class ConvDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Sequential dense;
    private readonly Sequential deconv;
    private readonly long h4, w4;

    /// <summary>Creates the decoder producing C×H×W (H and W divisible by 4).</summary>
    public ConvDecoder(long latent, long channels, long height, long width) : base(nameof(ConvDecoder))
    {
        ConvShapes.RequireDivisibleBy4(height, width);
        (h4, w4) = (height / 4, width / 4);
        dense = nn.Sequential(new Linear(latent, 256), nn.ReLU(), new Linear(256, 64 * h4 * w4), nn.ReLU());
        deconv = nn.Sequential(
            new ConvTranspose2d(64, 32, 4, stride: 2, padding: 1), nn.ReLU(),
            new ConvTranspose2d(32, channels, 4, stride: 2, padding: 1));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var hidden = dense.forward(input);
        using var grid = hidden.view(-1, 64, h4, w4);
        return deconv.forward(grid);
    }
}

internal static class ConvShapes
{
    internal static void RequireDivisibleBy4(long height, long width)
    {
        if (height % 4 != 0 || width % 4 != 0 || height < 4 || width < 4)
            throw new ArgumentException($"the convolutional backbone needs height and width divisible by 4; got {height}×{width}");
    }
}
