using TorchSharp;

namespace SimVae.Engine;

/// <summary>
/// Turns a requested <see cref="Precision"/> into the one a device runs, opens its region around a forward pass, and
/// names it for the command line (<c>auto</c>, <c>fp32</c>, <c>bf16</c>, <c>bf16-emulated</c>).
/// </summary>
public static class PrecisionPolicy
{
    /// <summary>
    /// Whether <see cref="Precision.Auto"/> picks bfloat16 on CPUs with native bfloat16. False until bfloat16 training
    /// has been shown to match float32 accuracy (docs/results/bf16-accuracy.md: every gap within 0.5 points is needed).
    /// </summary>
    public static bool AutoUsesBFloat16OnNativeCpus => false;

    /// <summary>The command-line names, in <see cref="Precision"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "fp32", "bf16", "bf16-emulated"];

    /// <summary>The command-line name of <paramref name="precision"/>.</summary>
    public static string Name(Precision precision) => Names[(int)precision];

    /// <summary>Parses a command-line name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static Precision Parse(string name)
    {
        for (int k = 0; k < Names.Count; k++)
            if (string.Equals(Names[k], name, StringComparison.OrdinalIgnoreCase)) return (Precision)k;
        throw new ArgumentException($"precision '{name}' is not one of {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>
    /// The precision <paramref name="device"/> runs for <paramref name="requested"/>: <see cref="Precision.Auto"/> becomes
    /// bfloat16 on a CPU with native bfloat16 when <see cref="AutoUsesBFloat16OnNativeCpus"/>, else float32 (CUDA
    /// included: bfloat16 on GPUs has not been measured); every other value is returned as is.
    /// </summary>
    public static Precision Resolve(Precision requested, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (requested != Precision.Auto) return requested;
        return device.type == DeviceType.CPU && CpuFeatures.NativeBFloat16 && AutoUsesBFloat16OnNativeCpus ? Precision.BFloat16 : Precision.Float32;
    }

    /// <summary>Why <see cref="Resolve"/> picks what it picks for <see cref="Precision.Auto"/> on <paramref name="device"/>, in one line.</summary>
    public static string ExplainAuto(torch.Device device)
    {
        var choice = Name(Resolve(Precision.Auto, device));
        if (device.type != DeviceType.CPU) return $"{choice} (bfloat16 on GPUs is not measured yet)";
        if (!CpuFeatures.NativeBFloat16) return $"{choice} (no native bfloat16 on this CPU: bf16 would run tens of times slower)";
        return AutoUsesBFloat16OnNativeCpus ? $"{choice} (native bfloat16 on this CPU)"
            : $"{choice} (native bfloat16 on this CPU, but bf16 accuracy is not yet shown to match float32; --precision bf16 opts in)";
    }

    /// <summary>
    /// Opens the region that makes a forward pass run in <paramref name="precision"/> (a <see cref="MixedPrecision"/>
    /// region), or null for float32.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="precision"/> is <see cref="Precision.Auto"/> (resolve it first).</exception>
    public static IDisposable? Open(Precision precision) => precision switch
    {
        Precision.Float32 => null,
        Precision.BFloat16 or Precision.BFloat16Emulated => MixedPrecision.Enable(precision),
        _ => throw new ArgumentException($"resolve precision {precision} with {nameof(Resolve)} before opening it", nameof(precision)),
    };
}
