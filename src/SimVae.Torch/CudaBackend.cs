using System.Text;
using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>
/// Process-wide backend settings that matter on GPUs (they are plain flags, harmless on a CPU-only build), and a
/// description of the libtorch build.
/// </summary>
public static unsafe class CudaBackend
{
    /// <summary>
    /// cuDNN autotuning (<c>torch.backends.cudnn.benchmark</c>): the first convolution of each shape tries the
    /// algorithms and keeps the fastest. Helps fixed-shape convolutional training; off by default.
    /// </summary>
    public static bool CudnnBenchmark
    {
        get => NativeMethods.CudnnBenchmark() != 0;
        set => NativeMethods.Check(NativeMethods.SetCudnnBenchmark(value ? 1 : 0));
    }

    /// <summary>
    /// <c>torch.set_float32_matmul_precision</c>: "highest" (IEEE float32, libtorch's default), "high" (TF32 tensor
    /// cores allowed for float32 matrix products) or "medium".
    /// </summary>
    /// <exception cref="TorchException">Another value.</exception>
    public static void SetFloat32MatmulPrecision(string precision)
    {
        ArgumentNullException.ThrowIfNull(precision);
        var bytes = Encoding.UTF8.GetBytes(precision + "\0");
        fixed (byte* p = bytes) NativeMethods.Check(NativeMethods.SetFloat32MatmulPrecision(p));
    }

    /// <summary>libtorch's version, whether CUDA is available (device count, cuDNN version) and its build configuration.</summary>
    public static string BuildInfo
    {
        get
        {
            NativeMethods.Check(NativeMethods.BuildInfo(null, 0, out int length));
            var buffer = new byte[length + 1];
            fixed (byte* b = buffer) NativeMethods.Check(NativeMethods.BuildInfo(b, buffer.Length, out length));
            return Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length - 1));
        }
    }

    /// <summary>
    /// <c>torch.cuda.set_sync_debug_mode</c>: with <see cref="CudaSyncDebugMode.Error"/>, every operation that makes
    /// the host wait for the GPU (reading a value, a pageable device-to-host copy, <c>nonzero</c>, ...) throws a
    /// <see cref="TorchException"/> naming it. Process-wide. Returns the previous mode.
    /// </summary>
    /// <exception cref="TorchException">The native library was built without CUDA headers (any CPU-only build).</exception>
    public static CudaSyncDebugMode SetSyncDebugMode(CudaSyncDebugMode mode)
    {
        NativeMethods.Check(NativeMethods.CudaSetSyncDebugMode((int)mode, out int previous));
        return (CudaSyncDebugMode)previous;
    }

    /// <summary>
    /// Which Adam implementation runs: the multi-tensor (foreach) one when every tensor is on CUDA (the default),
    /// always (<c>true</c>), or never (<c>false</c>). Tests use it to compare the two on the CPU.
    /// </summary>
    internal static void SetMultiTensorAdam(bool? always) =>
        NativeMethods.Check(NativeMethods.SetMultiTensorOptim(always switch { null => 0, true => 1, false => -1 }));
}

/// <summary>What libtorch does when an operation synchronises the host with the GPU (see <see cref="CudaBackend.SetSyncDebugMode"/>).</summary>
public enum CudaSyncDebugMode
{
    /// <summary>Nothing (the default).</summary>
    Disabled = 0,
    /// <summary>Log a warning.</summary>
    Warn = 1,
    /// <summary>Throw.</summary>
    Error = 2,
}
