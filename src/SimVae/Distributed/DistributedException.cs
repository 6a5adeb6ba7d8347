namespace SimVae.Distributed;

/// <summary>
/// A data-parallel run failed: rendezvous (timeout, mismatched world size or configuration, a rank that failed during
/// set-up), or a collective that Gloo ended with an error or a timeout. The message names the operation, this rank and,
/// when it could be found out, the rank that stopped (<see cref="FailedRanks"/>).
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, IReadOnlyList<int>? failedRanks = null, Exception? inner = null) : base(message, inner) =>
        FailedRanks = failedRanks ?? [];

    /// <summary>Ranks found to have stopped or fallen behind (empty when none could be named).</summary>
    public IReadOnlyList<int> FailedRanks { get; }
}
