using SimVae.Data;
using SimVae.Torch;

namespace SimVae.Bench.Gpu;

/// <summary>Command-line settings shared by the checks and the benchmarks.</summary>
internal sealed class BenchSettings
{
    public Device Device { get; set; } = Device.Cpu;
    public bool Smoke { get; set; }
    public int Steps { get; set; } = 200;
    public int Warmup { get; set; } = 30;
    public string? DataFolder { get; set; }
    public bool Amp { get; set; } = true;

    /// <summary>Images per SimCLR ResNet-18 batch: 256 (x 2 views), 8 in smoke runs (the CPU takes seconds per view).</summary>
    public int ResNetBatchImages => Smoke ? 8 : 256;

    /// <summary>FashionMNIST's training images when present (--data, SIMVAE_DATA or Debian's folder), else random
    /// 28x28 grey images of the same count (throughput does not depend on the pixels).</summary>
    public ImageDataset FashionMnistShaped()
    {
        int count = Smoke ? 512 : 60_000;
        if (!Smoke && FashionMnist.IsAvailable(DataSplit.Train, DataFolder))
            return FashionMnist.Load(DataSplit.Train, DataFolder);
        return Random(count, 1, 28, 28, "random 28x28 grey (FashionMNIST-shaped)");
    }

    /// <summary>Random 32x32 RGB images (CIFAR-shaped).</summary>
    public ImageDataset CifarShaped(int count) => Random(Smoke ? Math.Min(count, 64) : count, 3, 32, 32, "random 32x32 RGB (CIFAR-shaped)");

    private static ImageDataset Random(int count, int channels, int height, int width, string name)
    {
        var pixels = new byte[(long)count * channels * height * width];
        new Random(1234).NextBytes(pixels);
        return new ImageDataset(pixels, count, channels, height, width, name: name);
    }
}
