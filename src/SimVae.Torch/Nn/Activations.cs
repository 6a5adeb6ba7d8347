namespace SimVae.Torch.Nn;

/// <summary><c>max(0, x)</c> (PyTorch's <c>nn.ReLU</c>).</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Relu(input);
}

/// <summary><c>x</c> for x ≥ 0, <c>slope·x</c> otherwise (PyTorch's <c>nn.LeakyReLU</c>).</summary>
/// <param name="negativeSlope">Slope for negative inputs (PyTorch default 0.01).</param>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module<Tensor, Tensor>
{
    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.LeakyRelu(input, NegativeSlope);
}

/// <summary>Gaussian error linear unit (PyTorch's <c>nn.GELU</c>), exact erf form or the tanh approximation.</summary>
/// <param name="tanhApproximation">Use the tanh approximation (PyTorch's <c>approximate="tanh"</c>).</param>
public sealed class GELU(bool tanhApproximation = false) : Module<Tensor, Tensor>
{
    /// <summary>Whether the tanh approximation is used.</summary>
    public bool TanhApproximation { get; } = tanhApproximation;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Gelu(input, TanhApproximation);
}

/// <summary><c>x·sigmoid(x)</c> (PyTorch's <c>nn.SiLU</c>).</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Silu(input);
}

/// <summary>Logistic sigmoid (PyTorch's <c>nn.Sigmoid</c>).</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Sigmoid(input);
}

/// <summary>Hyperbolic tangent (PyTorch's <c>nn.Tanh</c>).</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Tanh(input);
}

/// <summary>
/// Zeroes each element with probability <c>p</c> and scales the rest by 1/(1−p) in training mode; the identity
/// in eval mode (PyTorch's <c>nn.Dropout</c>).
/// </summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">Probability of zeroing an element (PyTorch default 0.5).</param>
    public Dropout(double p = 0.5)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in [0, 1]");
        P = p;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training);
}

/// <summary>Flattens dimensions <c>startDim..endDim</c> into one (PyTorch's <c>nn.Flatten</c>, default from 1).</summary>
/// <param name="startDim">First dimension to flatten (default 1: keep the batch dimension).</param>
/// <param name="endDim">Last dimension to flatten.</param>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    /// <summary>First flattened dimension.</summary>
    public int StartDim { get; } = startDim;
    /// <summary>Last flattened dimension.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);
}

/// <summary>
/// Passes its input through (PyTorch's <c>nn.Identity</c>). Returns a new handle to the same tensor, so the
/// caller may dispose input and output independently.
/// </summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Alias();
}
