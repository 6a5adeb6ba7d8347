using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using SimVae.Methods;
using SimVae.Engine;
using TorchSharp;

namespace SimVae.Cli;

/// <summary>Options several commands share, created fresh per command (an option belongs to one parent).</summary>
internal static class CommonOptions
{
    public static Option<string> Dataset(string defaultName = DataSets.FashionMnistName)
    {
        var o = new Option<string>("--dataset", "-d")
        {
            Description = "Data set: fashion-mnist (IDX files; Debian's dataset-fashion-mnist or --data-path), synthetic (generated shapes with style factors), cifar10 (binary batches in --data-path), folder (--data-path/<class>/<image>.png|jpg, or train/ and test/ folders of those)",
            DefaultValueFactory = _ => defaultName,
        };
        o.AcceptOnlyFromAmong(DataSets.Names);
        return o;
    }

    public static Option<string?> DataPath() => new("--data-path")
    {
        Description = "Folder of the data set's files (fashion-mnist: default $SIMVAE_DATA, then /usr/share/datasets/fashion-mnist)",
    };

    /// <summary><c>--split train|test</c>: which split of the data set the command reads.</summary>
    public static Option<string> Split(string verb, string defaultValue)
    {
        var split = new Option<string>("--split") { Description = $"Which split to {verb}: train or test", DefaultValueFactory = _ => defaultValue };
        split.AcceptOnlyFromAmong("train", "test");
        return split;
    }

    public static Option<int?> Limit(string name = "--limit", string what = "Use only the first N images (synthetic: generate N)") =>
        new Option<int?>(name) { Description = what }.Range(1, int.MaxValue);

    /// <summary>
    /// Makes <paramref name="option"/> accept only numbers in <paramref name="min"/>..<paramref name="max"/> (integers for
    /// integer options; finite numbers otherwise): anything else — a word, an overflowing number — is a command-line error
    /// (exit code 2) naming the option and the range.
    /// </summary>
    public static Option<T> Range<T>(this Option<T> option, T min, T max) where T : struct, INumber<T>
    {
        option.CustomParser = r => Parse(r, option.Name, min, max, option.DefaultValueFactory);
        return option;
    }

    /// <inheritdoc cref="Range{T}(Option{T}, T, T)"/>
    public static Option<T?> Range<T>(this Option<T?> option, T min, T max) where T : struct, INumber<T>
    {
        option.CustomParser = r => r.Tokens.Count == 0 ? null : Parse<T>(r, option.Name, min, max, null);
        return option;
    }

    private static T Parse<T>(ArgumentResult r, string name, T min, T max, Func<ArgumentResult, T>? fallback) where T : struct, INumber<T>
    {
        bool integer = typeof(T) != typeof(double) && typeof(T) != typeof(float);
        string kind = integer ? "an integer" : "a number";
        if (r.Tokens.Count == 0) return fallback is null ? default : fallback(r);
        var text = r.Tokens[^1].Value;
        // NaN fails both comparisons, so only finite numbers in range pass.
        var style = integer ? NumberStyles.Integer : NumberStyles.Float;
        if (T.TryParse(text, style, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        r.AddError($"{name} must be {kind} in {min.ToString(null, CultureInfo.InvariantCulture)}..{max.ToString(null, CultureInfo.InvariantCulture)} (got '{text}')");
        return default;
    }

    public static Option<string> Device(string defaultValue = "auto")
    {
        var o = new Option<string>("--device")
        {
            Description = "Compute device: auto (CUDA when available, else the CPU), cpu, cuda or cuda:N",
            DefaultValueFactory = _ => defaultValue,
        };
        o.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            try { ParseDevice(text); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
        return o;
    }

    public static Option<string> Precision()
    {
        var o = new Option<string>("--precision")
        {
            Description = "Training precision: auto (bf16 where the CPU has native bfloat16 and bf16 is known to be as accurate, else fp32; `simvae info` shows the choice), " +
                          "fp32, bf16 (linear layers and convolutions in bfloat16 with float32 master weights; tens of times slower on CPUs without AVX512_BF16/AMX), " +
                          "bf16-emulated (bf16 numerics at fp32 speed, to check accuracy on any CPU)",
            DefaultValueFactory = _ => "auto",
        };
        o.AcceptOnlyFromAmong([.. PrecisionPolicy.Names]);
        return o;
    }

    /// <summary>Warns once on stderr when bf16 is asked for on a CPU that has no native bfloat16 (it still runs).</summary>
    public static void WarnIfSlowPrecision(CliOutput output, Engine.Precision precision, torch.Device device)
    {
        if (precision == Engine.Precision.BFloat16 && !device.IsCuda() && !CpuFeatures.NativeBFloat16 && !output.Quiet)
            output.Error.WriteLine($"simvae: warning: --precision bf16 on a CPU without native bfloat16 ({CpuFeatures.Describe()}): libtorch runs it tens of times slower than fp32; bf16-emulated gives the same numerics at fp32 speed");
    }

    public static Option<int> BatchSize(int defaultValue, string description)
    {
        return new Option<int>("--batch-size") { Description = description, DefaultValueFactory = _ => defaultValue }.Range(1, SslOptions.MaxBatchImages);
    }

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model bundle (.simvae file written by `simvae train`)",
        Required = true,
    };

    /// <summary>Parses a device name without touching libtorch for "cpu".</summary>
    public static torch.Device ParseDevice(string text) =>
        string.Equals(text.Trim(), "cpu", StringComparison.OrdinalIgnoreCase) ? torch.CPU : Devices.Parse(text);

    /// <summary>Resolves a device and checks that it exists.</summary>
    public static torch.Device ResolveDevice(string text)
    {
        var device = ParseDevice(text);
        if (device.IsCuda())
        {
            int count = TorchRuntime.CudaDeviceCount;
            int index = Math.Max(0, (int)device.index);
            if (count == 0)
                throw new CliException(ExitCodes.Device, $"--device {text}: no CUDA device is usable (this libtorch {(TorchRuntime.TorchVersion)} sees none); use --device cpu");
            if (index >= count)
                throw new CliException(ExitCodes.Device, $"--device {text}: there are only {count} CUDA device(s)");
        }
        return device;
    }
}
