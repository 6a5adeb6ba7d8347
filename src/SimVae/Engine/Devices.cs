using TorchSharp;

namespace SimVae.Engine;

/// <summary>Names and picks compute devices (TorchSharp's <see cref="torch.Device"/>) the way the command line writes them.</summary>
public static class Devices
{
    /// <summary>The first CUDA GPU when the libtorch backend has CUDA and one is present, else the CPU.</summary>
    public static torch.Device Auto => TorchRuntime.CudaDeviceCount > 0 ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;

    /// <summary>Parses "cpu", "cuda", "gpu", "cuda:N" or "auto" (case-insensitive).</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static torch.Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return torch.CPU;
        if (t == "auto") return Auto;
        if (t is "cuda" or "gpu") return new torch.Device(DeviceType.CUDA, 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int index) && index >= 0)
            return new torch.Device(DeviceType.CUDA, index);
        throw new FormatException($"unknown device '{text}': expected cpu, cuda, cuda:N or auto");
    }

    /// <summary>Whether <paramref name="device"/> is a CUDA GPU.</summary>
    public static bool IsCuda(this torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.type == DeviceType.CUDA;
    }

    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public static string Name(this torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.type switch
        {
            DeviceType.CPU => "cpu",
            DeviceType.CUDA => device.index < 0 ? "cuda" : $"cuda:{device.index}",
            _ => device.type.ToString().ToLowerInvariant(),
        };
    }
}
