using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Backbones;

/// <summary>
/// ResNet-18 (He et al. 2016) in its CIFAR variant, as used by SimCLR and SimVAE on 32×32 images: a 3×3 stride-1
/// first convolution and no max-pool, four stages of two basic blocks (64, 128, 256, 512 channels; strides 1, 2, 2, 2),
/// global average pooling, then Linear(512 → outputs).
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly Linear head;

    /// <summary>Creates the network for <paramref name="channels"/>-channel images.</summary>
    public ResNet18(long channels, long outputs)
    {
        stem = RegisterModule("stem", new Sequential(new Conv2d(channels, 64, 3, stride: 1, padding: 1, bias: false), new BatchNorm2d(64), new ReLU()));
        stages = RegisterModule("stages", new Sequential(
            new BasicBlock(64, 64, 1), new BasicBlock(64, 64, 1),
            new BasicBlock(64, 128, 2), new BasicBlock(128, 128, 1),
            new BasicBlock(128, 256, 2), new BasicBlock(256, 256, 1),
            new BasicBlock(256, 512, 2), new BasicBlock(512, 512, 1)));
        head = RegisterModule("head", new Linear(512, outputs));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Open();
        var features = Functional.AdaptiveAvgPool2d(stages.Forward(stem.Forward(input)), 1, 1).Flatten(1);
        return head.Forward(features).MoveToOuterScope();
    }
}

/// <summary>Two 3×3 convolutions with batch norm and a (projected when the shape changes) shortcut.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Sequential main;
    private readonly Sequential? shortcut;

    internal BasicBlock(long inChannels, long outChannels, long stride)
    {
        main = RegisterModule("main", new Sequential(
            new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false), new BatchNorm2d(outChannels), new ReLU(),
            new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false), new BatchNorm2d(outChannels)));
        if (stride != 1 || inChannels != outChannels)
            shortcut = RegisterModule("shortcut", new Sequential(new Conv2d(inChannels, outChannels, 1, stride, 0, bias: false), new BatchNorm2d(outChannels)));
    }

    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Open();
        var identity = shortcut is null ? input : shortcut.Forward(input);
        return Functional.Relu(main.Forward(input) + identity).MoveToOuterScope();
    }
}

/// <summary>
/// A ResNet-18-style decoder for 32×32 images: Linear(latent → 512·4·4), then three stages that double the
/// resolution (nearest upsampling + basic block: 512→256→128→64 channels), then a 3×3 convolution to the output channels.
/// </summary>
public sealed class ResNet18Decoder : Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly BasicBlock stage1, stage2, stage3;
    private readonly Conv2d output;

    /// <summary>Creates the decoder producing <paramref name="channels"/>×32×32 outputs.</summary>
    public ResNet18Decoder(long latent, long channels)
    {
        dense = RegisterModule("dense", new Linear(latent, 512 * 4 * 4));
        stage1 = RegisterModule("stage1", new BasicBlock(512, 256, 1));
        stage2 = RegisterModule("stage2", new BasicBlock(256, 128, 1));
        stage3 = RegisterModule("stage3", new BasicBlock(128, 64, 1));
        output = RegisterModule("output", new Conv2d(64, channels, 3, 1, 1));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Open();
        var x = Functional.Relu(dense.Forward(input)).View(-1, 512, 4, 4);
        x = stage1.Forward(Functional.Interpolate(x, 8, 8, bilinear: false));
        x = stage2.Forward(Functional.Interpolate(x, 16, 16, bilinear: false));
        x = stage3.Forward(Functional.Interpolate(x, 32, 32, bilinear: false));
        return output.Forward(x).MoveToOuterScope();
    }
}
