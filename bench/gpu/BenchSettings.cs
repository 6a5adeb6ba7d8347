using SimVae.Data;
using TorchSharp;

namespace SimVae.Bench.Gpu;

/// <summary>Command-line settings shared by the checks and the benchmark.</summary>
internal sealed class BenchSettings
{
    public torch.Device Device { get; set; } = torch.CPU;

    /// <summary>A few steps of everything (exercises the code paths, e.g. on the CPU).</summary>
    public bool Smoke { get; set; }

    /// <summary>Timed training steps per benchmark measurement.</summary>
    public int Steps { get; set; } = 400;

    /// <summary>Untimed training steps before each measurement.</summary>
    public int Warmup { get; set; } = 50;

    /// <summary>FashionMNIST-shaped data: random 28x28 grey images (throughput does not depend on the pixels).</summary>
    public ImageDataset FashionMnistShaped()
    {
        int count = Smoke ? 512 : 60_000;
        var pixels = new byte[count * 28 * 28];
        new Random(1234).NextBytes(pixels);
        return new ImageDataset(pixels, count, 1, 28, 28, name: "random 28x28 grey (FashionMNIST-shaped)");
    }
}
