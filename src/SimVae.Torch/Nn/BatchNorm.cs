namespace SimVae.Torch.Nn;

/// <summary>
/// Batch normalisation over the channel dimension (dimension 1), as PyTorch's <c>_BatchNorm</c>: learnable
/// <c>weight</c> (1) and <c>bias</c> (0) when affine, buffers <c>running_mean</c> (0), <c>running_var</c> (1) and
/// <c>num_batches_tracked</c> (int64). In training mode it normalises with the batch statistics and updates
/// <c>running = (1 − momentum)·running + momentum·batch</c> (the running variance uses the unbiased batch
/// variance); in eval mode it uses the running statistics.
/// </summary>
public abstract class BatchNormBase : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="momentum">Running-statistics factor; null means a cumulative average (factor 1/num_batches_tracked).</param>
    /// <param name="affine">Whether to learn a per-channel scale and shift.</param>
    protected BatchNormBase(long numFeatures, double eps, double? momentum, bool affine)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "must be positive");
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "must be positive");
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "must be in [0, 1]");
        (NumFeatures, Eps, Momentum) = (numFeatures, eps, momentum);
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numFeatures]));
            Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures]));
        }
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures]));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures]));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], ScalarType.Int64));
    }

    /// <summary>Number of channels.</summary>
    public long NumFeatures { get; }
    /// <summary>Variance epsilon.</summary>
    public double Eps { get; }
    /// <summary>Running-statistics momentum (null: cumulative average).</summary>
    public double? Momentum { get; }
    /// <summary>Per-channel scale, or null when not affine.</summary>
    public Tensor? Weight { get; }
    /// <summary>Per-channel shift, or null when not affine.</summary>
    public Tensor? Bias { get; }
    /// <summary>Running mean buffer.</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running (unbiased) variance buffer.</summary>
    public Tensor RunningVar { get; }
    /// <summary>Number of training batches seen (int64 scalar buffer).</summary>
    public Tensor NumBatchesTracked { get; }

    /// <summary>Throws when the input rank is wrong for this layer.</summary>
    protected abstract void CheckInputDim(Tensor input);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        CheckInputDim(input);
        double factor = Momentum ?? 0;
        if (Training)
        {
            var shape = input.Shape;
            long perChannel = shape[0];
            for (int k = 2; k < shape.Length; k++) perChannel *= shape[k];
            if (perChannel <= 1)
                throw new ArgumentException($"expected more than 1 value per channel when training, got input shape [{string.Join(", ", shape)}]", nameof(input));
            using (Autograd.NoGrad()) NumBatchesTracked.AddScalarInPlace(1);
            if (Momentum is null)
            {
                using var count = NumBatchesTracked.To(ScalarType.Float64);
                factor = 1.0 / count.Item<double>();
            }
        }
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, Training, factor, Eps);
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({NumFeatures}, eps={Eps}, momentum={Momentum?.ToString() ?? "None"}, affine={Weight is not null})";
}

/// <summary>Batch normalisation of (N, C) or (N, C, L) input (PyTorch's <c>nn.BatchNorm1d</c>).</summary>
public sealed class BatchNorm1d : BatchNormBase
{
    /// <summary>Creates the layer (PyTorch defaults: eps 1e-5, momentum 0.1, affine).</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="momentum">Running-statistics factor; null means a cumulative average.</param>
    /// <param name="affine">Whether to learn a per-channel scale and shift.</param>
    public BatchNorm1d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true)
        : base(numFeatures, eps, momentum, affine) { }

    /// <inheritdoc />
    protected override void CheckInputDim(Tensor input)
    {
        if (input.Dim is not (2 or 3)) throw new ArgumentException($"BatchNorm1d expects 2-D or 3-D input, got {input.Dim}-D", nameof(input));
    }
}

/// <summary>Batch normalisation of (N, C, H, W) input (PyTorch's <c>nn.BatchNorm2d</c>).</summary>
public sealed class BatchNorm2d : BatchNormBase
{
    /// <summary>Creates the layer (PyTorch defaults: eps 1e-5, momentum 0.1, affine).</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="momentum">Running-statistics factor; null means a cumulative average.</param>
    /// <param name="affine">Whether to learn a per-channel scale and shift.</param>
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true)
        : base(numFeatures, eps, momentum, affine) { }

    /// <inheritdoc />
    protected override void CheckInputDim(Tensor input)
    {
        if (input.Dim != 4) throw new ArgumentException($"BatchNorm2d expects 4-D input, got {input.Dim}-D", nameof(input));
    }
}
