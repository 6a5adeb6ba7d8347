namespace SimVae.Backbones;

/// <summary>Encoder/decoder architecture.</summary>
public enum BackboneKind
{
    /// <summary>The authors' MLP: encoder 784→2000→500→500→out, decoder mirrored (FashionMNIST/MNIST).</summary>
    Mlp,
    /// <summary>A small convolutional encoder/decoder for 28×28 and 32×32 images.</summary>
    Conv,
    /// <summary>ResNet-18 (CIFAR variant) with a ResNet-18-style decoder, for 32×32 RGB.</summary>
    ResNet18,
}
