using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Backbones;

/// <summary>Builds encoders and decoders of a given <see cref="BackboneKind"/> for an input shape.</summary>
public static class BackboneFactory
{
    /// <summary>An encoder mapping [N, C, H, W] images to [N, <paramref name="outputs"/>].</summary>
    public static nn.Module<Tensor, Tensor> Encoder(BackboneKind kind, int channels, int height, int width, long outputs) => kind switch
    {
        BackboneKind.Mlp => new Mlp((long)channels * height * width, 2000, 500, 500, outputs),
        BackboneKind.Conv => new ConvEncoder(channels, height, width, outputs),
        BackboneKind.ResNet18 => new ResNet18(channels, outputs),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backbone"),
    };

    /// <summary>A decoder mapping [N, <paramref name="latent"/>] to [N, C, H, W] logits or means.</summary>
    public static nn.Module<Tensor, Tensor> Decoder(BackboneKind kind, long latent, int channels, int height, int width) => kind switch
    {
        BackboneKind.Mlp => new MlpDecoder(latent, channels, height, width),
        BackboneKind.Conv => new ConvDecoder(latent, channels, height, width),
        BackboneKind.ResNet18 => new ResNet18Decoder(latent, channels),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backbone"),
    };
}

/// <summary>The authors' MLP decoder d→500→500→2000→C·H·W, reshaped to images.</summary>
public sealed class MlpDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Mlp mlp;
    private readonly long[] imageShape;

    /// <summary>Creates the decoder.</summary>
    public MlpDecoder(long latent, int channels, int height, int width) : base(nameof(MlpDecoder))
    {
        mlp = new Mlp(latent, 500, 500, 2000, (long)channels * height * width);
        imageShape = [-1, channels, height, width];
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var flat = mlp.forward(input);
        return flat.view(imageShape);
    }
}
