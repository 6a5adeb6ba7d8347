using SimVae.Distributed;

namespace SimVae.Training;

/// <summary>
/// Data-parallel training (<see cref="TrainerOptions.DataParallel"/>): W processes each compute 1/W of every batch
/// (the method's <c>BatchImages</c> is the global batch) and combine their gradients before each optimiser step, so
/// that they take the steps one process with the whole batch would take (docs/distributed.md).
/// </summary>
public sealed record DataParallelOptions
{
    /// <summary>
    /// Bucket size of the gradient all-reduce: 1 MiB, measured with <c>bench/run ddp</c> (SimVAE's MLP, 22 MB of
    /// gradients, 2 workers on Gloo over loopback, quiet machine, 2026-12-04): 46.9 ms per step with 256 KiB buckets,
    /// 36.7 ms with 1 MiB, 35.4 ms with one 64 MiB bucket; 1 MiB stays (on the old c10d engine one 64 MiB bucket was the
    /// slowest). PyTorch's DDP uses 25 MiB, tuned for GPUs.
    /// </summary>
    public const long DefaultBucketBytes = 1L << 20;

    /// <summary>How the ranks meet (default: torchrun's environment variables, else a single process).</summary>
    public ProcessGroupOptions ProcessGroup { get; init; } = ProcessGroupOptions.FromEnvironment() ?? new ProcessGroupOptions();

    /// <summary>
    /// SimCLR and VICReg compute their loss over the gathered global batch (default true), as one process with the
    /// whole batch would; false computes it per rank (fewer negatives, a noisier variance estimate, no gather).
    /// </summary>
    public bool GatherGlobalBatch { get; init; } = true;

    /// <summary>Bucket size of the gradient all-reduce in bytes (default <see cref="DefaultBucketBytes"/>).</summary>
    public long BucketBytes { get; init; } = DefaultBucketBytes;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ProcessGroup, nameof(ProcessGroup));
        ProcessGroup.Validate();
        if (BucketBytes < 1024) throw new ArgumentOutOfRangeException(nameof(BucketBytes), BucketBytes, "BucketBytes must be at least 1024");
    }
}
