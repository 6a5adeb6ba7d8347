namespace SimVae.Data;

/// <summary>Derives independent, reproducible seeds from a base seed and indices (SplitMix64 finaliser).</summary>
public static class Seeds
{
    /// <summary>A 32-bit seed for <see cref="Random"/> derived from <paramref name="seed"/> and the given indices.</summary>
    public static int Derive(long seed, params ReadOnlySpan<long> indices)
    {
        ulong h = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var index in indices) h = Mix(h ^ Mix((ulong)index + 0xD1B54A32D192ED03UL));
        return (int)(h >> 33);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
