namespace SimVae.Torch;

/// <summary>Kinds of compute device.</summary>
public enum DeviceType
{
    /// <summary>The host CPU.</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 1,
    /// <summary>libtorch's meta device: tensors with shapes and types but no storage (see <see cref="Nn.Module.StateShapes"/>).</summary>
    Meta = 2,
}

/// <summary>A compute device: the CPU or CUDA GPU number <see cref="Index"/>.</summary>
/// <param name="Type">CPU or CUDA.</param>
/// <param name="Index">The GPU number; -1 for the CPU or the current GPU.</param>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    /// <summary>The host CPU.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>libtorch's meta device: shapes without storage, for checking what a module would allocate.</summary>
    public static Device Meta => new(DeviceType.Meta);

    /// <summary>CUDA GPU number <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    /// <summary>The first CUDA GPU when libtorch was built with CUDA and one is present, else the CPU.</summary>
    public static Device Auto => TorchRuntime.CudaDeviceCount > 0 ? Cuda(0) : Cpu;

    /// <summary>Whether this is a CUDA device.</summary>
    public bool IsCuda => Type == DeviceType.Cuda;

    /// <summary>Parses "cpu", "cuda", "cuda:1" or "auto" (case-insensitive).</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "auto") return Auto;
        if (t == "cuda" || t == "gpu") return Cuda(0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int index) && index >= 0)
            return Cuda(index);
        throw new FormatException($"unknown device '{text}': expected cpu, cuda, cuda:N or auto");
    }

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Meta => "meta",
        _ => Index < 0 ? "cuda" : $"cuda:{Index}",
    };
}
