namespace SimVae.Torch.Nn;

/// <summary>Which fan <see cref="Init.KaimingUniform_"/> and <see cref="Init.KaimingNormal_"/> preserve.</summary>
public enum FanMode
{
    /// <summary>Preserve the variance of the forward pass (fan-in).</summary>
    FanIn,
    /// <summary>Preserve the variance of the backward pass (fan-out).</summary>
    FanOut,
}

/// <summary>
/// Parameter initialisers, as in <c>torch.nn.init</c>. They fill tensors in place without recording gradients,
/// drawing from libtorch's generator (so <see cref="TorchRuntime.ManualSeed"/> makes them reproducible, and the
/// same seed gives the same values as PyTorch).
/// </summary>
public static class Init
{
    /// <summary>
    /// PyTorch's <c>_calculate_fan_in_and_fan_out</c>: fan-in = size(1) × receptive field, fan-out = size(0) ×
    /// receptive field, where the receptive field is the product of the sizes after the first two.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public static (long FanIn, long FanOut) FanInAndFanOut(Tensor tensor)
    {
        var shape = tensor.Shape;
        if (shape.Length < 2)
            throw new ArgumentException("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions", nameof(tensor));
        long receptive = 1;
        for (int k = 2; k < shape.Length; k++) receptive *= shape[k];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>
    /// PyTorch's <c>calculate_gain</c> for "linear"/"conv"/"sigmoid" (1), "tanh" (5/3), "relu" (√2),
    /// "leaky_relu" (√(2 / (1 + slope²))) and "selu" (3/4).
    /// </summary>
    public static double CalculateGain(string nonlinearity, double param = 0.01) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid" => 1,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + param * param)),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"unsupported nonlinearity '{nonlinearity}'", nameof(nonlinearity)),
    };

    /// <summary>Fills with samples of U(<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Uniform_(Tensor tensor, double low = 0, double high = 1)
    {
        using var _ = Autograd.NoGrad();
        return tensor.Uniform_(low, high);
    }

    /// <summary>Fills with samples of N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1)
    {
        using var _ = Autograd.NoGrad();
        return tensor.Normal_(mean, std);
    }

    /// <summary>Fills with <paramref name="value"/>.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        using var _ = Autograd.NoGrad();
        return tensor.Fill_(value);
    }

    /// <summary>Fills with zeros.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>Fills with ones.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>
    /// He (Kaiming) uniform initialisation: U(-b, b) with b = gain × √(3 / fan), gain =
    /// <c>CalculateGain(nonlinearity, a)</c>. With <c>a = √5</c> (PyTorch's layer default) b = 1/√fan_in.
    /// </summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu")
    {
        double bound = Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity);
        return Uniform_(tensor, -bound, bound);
    }

    /// <summary>He (Kaiming) normal initialisation: N(0, std²) with std = gain / √fan.</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu") =>
        Normal_(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity));

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, string nonlinearity)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor);
        long fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException("initializing a zero-element tensor is a no-op", nameof(tensor));
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>Glorot (Xavier) uniform initialisation: U(-b, b) with b = gain × √(6 / (fan_in + fan_out)).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor);
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform_(tensor, -bound, bound);
    }

    /// <summary>Glorot (Xavier) normal initialisation: N(0, std²) with std = gain × √(2 / (fan_in + fan_out)).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor);
        return Normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>
    /// PyTorch's default for Linear and convolution layers (<c>reset_parameters</c>): weight by
    /// <c>kaiming_uniform_(a=√5)</c>, i.e. U(±1/√fan_in), then bias by U(±1/√fan_in), in that order.
    /// </summary>
    public static void DefaultLayerInit(Tensor weight, Tensor? bias)
    {
        KaimingUniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        var (fanIn, _) = FanInAndFanOut(weight);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Uniform_(bias, -bound, bound);
    }
}
