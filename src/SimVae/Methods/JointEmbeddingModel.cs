using SimVae.Backbones;
using SimVae.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// The shape of the joint-embedding methods (SimCLR, VICReg, MoCo, BYOL, Barlow Twins, DINO): a backbone whose output
/// is the feature (what <see cref="Encode"/> returns, and what ONNX export writes) and a head whose output the loss
/// compares. The modules are registered as <c>backbone</c> and <c>head</c>.
/// </summary>
public abstract class JointEmbeddingModel : SslModel
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly nn.Module<Tensor, Tensor> head;

    /// <summary>Builds backbone and head (the head gets the feature dimension d).</summary>
    protected JointEmbeddingModel(SslOptions options, Func<long, nn.Module<Tensor, Tensor>> createHead) : base(options)
    {
        ArgumentNullException.ThrowIfNull(createHead);
        backbone = BackboneFactory.Encoder(options.Backbone, options.Channels, options.Height, options.Width, options.LatentDim);
        head = createHead(options.LatentDim);
        register_module("backbone", backbone);
        register_module("head", head);
    }

    /// <summary>Images → features [N, d].</summary>
    protected nn.Module<Tensor, Tensor> Backbone => backbone;

    /// <summary>Features → the vectors the loss compares.</summary>
    protected nn.Module<Tensor, Tensor> Head => head;

    /// <inheritdoc />
    public override int FeatureDimension => Options.LatentDim;

    /// <summary>Whether <see cref="Encode"/> returns the head's output instead of the backbone's.</summary>
    public bool UseHeadOutput { get; set; }

    /// <inheritdoc />
    public override Tensor Encode(Tensor images)
    {
        if (!UseHeadOutput) return backbone.forward(images);
        using var features = backbone.forward(images);
        return head.forward(features);
    }

    /// <summary>head(backbone(x)) in float32 (under mixed precision the loss is still computed in float32, docs/gpu.md).</summary>
    protected Tensor Embed(Tensor images)
    {
        using var scope = NewDisposeScope();
        var projected = head.forward(backbone.forward(images));
        return MixedPrecision.ToFloat32(projected).MoveToOuterDisposeScope();
    }
}
