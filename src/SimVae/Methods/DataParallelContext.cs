using SimVae.Distributed;

namespace SimVae.Methods;

/// <summary>
/// Set on a model by the trainer in a data-parallel run: the model computes rank <see cref="Rank"/>'s shard (the
/// <see cref="Rank"/>-th of <see cref="WorldSize"/> equal, consecutive parts of every global batch).
/// </summary>
/// <param name="Group">The process group of the run.</param>
/// <param name="GatherGlobalBatch">Whether losses that compare images with each other (SimCLR's negatives, VICReg's
/// variance and covariance) gather every rank's embeddings and compute the loss over the global batch.</param>
public sealed record DataParallelContext(ProcessGroup Group, bool GatherGlobalBatch)
{
    /// <summary>This process's rank: the index of its shard.</summary>
    public int Rank => Group.Rank;

    /// <summary>Number of ranks (shards per global batch).</summary>
    public int WorldSize => Group.WorldSize;
}
