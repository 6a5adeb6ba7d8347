using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Conv2d = SimVae.Engine.Conv2d;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Backbones;

/// <summary>
/// ResNet-18 (He et al. 2016) in its CIFAR variant, as used by SimCLR and SimVAE on 32×32 images: a 3×3 stride-1
/// first convolution and no max-pool, four stages of two basic blocks (64, 128, 256, 512 channels; strides 1, 2, 2, 2),
/// global average pooling, then Linear(512 → outputs).
/// </summary>
public sealed class ResNet18 : nn.Module<Tensor, Tensor>
{
    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly Linear head;

    /// <summary>Creates the network for <paramref name="channels"/>-channel images.</summary>
    public ResNet18(long channels, long outputs) : base(nameof(ResNet18))
    {
        stem = nn.Sequential(new Conv2d(channels, 64, 3, stride: 1, padding: 1, bias: false), nn.BatchNorm2d(64), nn.ReLU());
        stages = nn.Sequential(
            new BasicBlock(64, 64, 1), new BasicBlock(64, 64, 1),
            new BasicBlock(64, 128, 2), new BasicBlock(128, 128, 1),
            new BasicBlock(128, 256, 2), new BasicBlock(256, 256, 1),
            new BasicBlock(256, 512, 2), new BasicBlock(512, 512, 1));
        head = new Linear(512, outputs);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = nn.functional.adaptive_avg_pool2d(stages.forward(stem.forward(input)), [1, 1]).flatten(1);
        return head.forward(features).MoveToOuterDisposeScope();
    }
}

/// <summary>Two 3×3 convolutions with batch norm and a (projected when the shape changes) shortcut.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential main;
    private readonly Sequential? shortcut;

    internal BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
    {
        main = nn.Sequential(
            new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false), nn.BatchNorm2d(outChannels), nn.ReLU(),
            new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false), nn.BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            shortcut = nn.Sequential(new Conv2d(inChannels, outChannels, 1, stride, 0, bias: false), nn.BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var identity = shortcut is null ? input : shortcut.forward(input);
        return nn.functional.relu(main.forward(input) + identity).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A ResNet-18-style decoder for 32×32 images: Linear(latent → 512·4·4), then three stages that double the
/// resolution (nearest upsampling + basic block: 512→256→128→64 channels), then a 3×3 convolution to the output channels.
/// </summary>
public sealed class ResNet18Decoder : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly BasicBlock stage1, stage2, stage3;
    private readonly Conv2d output;

    /// <summary>Creates the decoder producing <paramref name="channels"/>×32×32 outputs.</summary>
    public ResNet18Decoder(long latent, long channels) : base(nameof(ResNet18Decoder))
    {
        dense = new Linear(latent, 512 * 4 * 4);
        stage1 = new BasicBlock(512, 256, 1);
        stage2 = new BasicBlock(256, 128, 1);
        stage3 = new BasicBlock(128, 64, 1);
        output = new Conv2d(64, channels, 3, 1, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(dense.forward(input)).view(-1, 512, 4, 4);
        x = stage1.forward(Upsample(x, 8));
        x = stage2.forward(Upsample(x, 16));
        x = stage3.forward(Upsample(x, 32));
        return output.forward(x).MoveToOuterDisposeScope();
    }

    private static Tensor Upsample(Tensor x, long side) => nn.functional.interpolate(x, [side, side], mode: InterpolationMode.Nearest);
}
