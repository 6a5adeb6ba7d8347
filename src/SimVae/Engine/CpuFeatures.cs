using System.Runtime.Intrinsics.X86;

namespace SimVae.Engine;

/// <summary>
/// The CPU's native bfloat16 support, read once with CPUID: what decides whether <see cref="Precision.BFloat16"/> is
/// fast (oneDNN's bfloat16 kernels) or emulated by slow scalar loops.
/// </summary>
public static class CpuFeatures
{
    private static readonly (bool Avx512Bf16, bool AmxBf16) Flags = Read();

    /// <summary>AVX512_BF16 (CPUID.(EAX=7,ECX=1):EAX[5]) with AVX-512 state enabled by the OS: bfloat16 dot products (VDPBF16PS).</summary>
    public static bool Avx512Bf16 => Flags.Avx512Bf16;

    /// <summary>AMX-BF16 and AMX-TILE (CPUID.(EAX=7,ECX=0):EDX[22,24]): bfloat16 tile matrix multiplies.</summary>
    public static bool AmxBf16 => Flags.AmxBf16;

    /// <summary>Whether the CPU multiplies bfloat16 matrices natively (AVX512_BF16 or AMX).</summary>
    public static bool NativeBFloat16 => Avx512Bf16 || AmxBf16;

    /// <summary>A one-line description for <c>simvae info</c>, e.g. "AVX512_BF16 yes, AMX-BF16 no".</summary>
    public static string Describe() =>
        X86Base.IsSupported ? $"AVX512_BF16 {YesNo(Avx512Bf16)}, AMX-BF16 {YesNo(AmxBf16)}" : "not an x86 CPU: no native bfloat16 detected";

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static (bool, bool) Read()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7) return (false, false);
        var leaf7 = X86Base.CpuId(7, 0);
        bool amx = (leaf7.Edx & (1 << 22)) != 0 && (leaf7.Edx & (1 << 24)) != 0;
        // Subleaf 1 exists when leaf 7 reports at least one subleaf beyond 0 (EAX = highest subleaf).
        bool avx512Bf16 = leaf7.Eax >= 1 && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0 && Avx512F.IsSupported;
        return (avx512Bf16, amx);
    }
}
