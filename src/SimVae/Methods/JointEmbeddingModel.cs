using SimVae.Backbones;
using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Methods;

/// <summary>
/// The shape of the joint-embedding methods (SimCLR, VICReg, MoCo, BYOL, Barlow Twins, DINO): a backbone whose output
/// is the feature (what <see cref="Encode"/> returns, and what ONNX export writes) and a head whose output the loss
/// compares. The modules are registered as <c>backbone</c> and <c>head</c>.
/// </summary>
public abstract class JointEmbeddingModel : SslModel
{
    /// <summary>Builds backbone and head (the head gets the feature dimension d).</summary>
    protected JointEmbeddingModel(SslOptions options, Func<long, Module<Tensor, Tensor>> createHead) : base(options)
    {
        Backbone = RegisterModule("backbone", BackboneFactory.Encoder(options.Backbone, options.Channels, options.Height, options.Width, options.LatentDim));
        Head = RegisterModule("head", createHead(options.LatentDim));
    }

    /// <summary>Images → features [N, d].</summary>
    protected Module<Tensor, Tensor> Backbone { get; }

    /// <summary>Features → the vectors the loss compares.</summary>
    protected Module<Tensor, Tensor> Head { get; }

    /// <inheritdoc />
    public override int FeatureDimension => Options.LatentDim;

    /// <summary>Whether <see cref="Encode"/> returns the head's output instead of the backbone's.</summary>
    public bool UseHeadOutput { get; set; }

    /// <inheritdoc />
    public override Tensor Encode(Tensor images)
    {
        if (!UseHeadOutput) return Backbone.Forward(images);
        using var features = Backbone.Forward(images);
        return Head.Forward(features);
    }

    /// <summary>head(backbone(x)) in float32 (under mixed precision the loss is still computed in float32, docs/gpu.md).</summary>
    protected Tensor Embed(Tensor images)
    {
        using var scope = DisposeScope.Open();
        var projected = Head.Forward(Backbone.Forward(images));
        return Autocast.ToFloat32(projected).MoveToOuterScope();
    }
}
