using System.Runtime.InteropServices;

namespace SimVae.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "svn_autocast_get")]
    internal static partial int AutocastGet(int deviceType, out int enabled, out int dtype, out int cacheEnabled);
    [LibraryImport(Library, EntryPoint = "svn_autocast_enter")]
    internal static partial int AutocastEnter(int deviceType, int dtype, int cacheEnabled, AutocastState* previous);
    [LibraryImport(Library, EntryPoint = "svn_autocast_exit")] internal static partial int AutocastExit(AutocastState* previous);
    [LibraryImport(Library, EntryPoint = "svn_autocast_suspend")] internal static partial int AutocastSuspend(int deviceType, AutocastState* previous);
    [LibraryImport(Library, EntryPoint = "svn_autocast_resume")] internal static partial int AutocastResume(AutocastState* previous);
    [LibraryImport(Library, EntryPoint = "svn_set_cudnn_benchmark")] internal static partial int SetCudnnBenchmark(int enabled);
    [LibraryImport(Library, EntryPoint = "svn_cudnn_benchmark")] internal static partial int CudnnBenchmark();
    [LibraryImport(Library, EntryPoint = "svn_set_float32_matmul_precision")] internal static partial int SetFloat32MatmulPrecision(byte* precision);
    [LibraryImport(Library, EntryPoint = "svn_build_info")] internal static partial int BuildInfo(byte* buffer, int capacity, out int length);
    [LibraryImport(Library, EntryPoint = "svn_cuda_set_sync_debug_mode")] internal static partial int CudaSetSyncDebugMode(int mode, out int previous);
    [LibraryImport(Library, EntryPoint = "svn_set_multi_tensor_optim")] internal static partial int SetMultiTensorOptim(int mode);
}

/// <summary>Mirror of <c>svn_autocast_state</c>: the autocast settings to restore when a region ends.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AutocastState
{
    public int DeviceType;
    public int Enabled;
    public int DType;
    public int CacheEnabled;
}
