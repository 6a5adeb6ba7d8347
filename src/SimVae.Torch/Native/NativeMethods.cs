using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace SimVae.Torch.Native;

/// <summary>P/Invoke declarations for libsimvae_native (see native/include/simvae_native.h).</summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "simvae_native";

    static NativeMethods() => NativeLibraryLoader.EnsureRegistered();

    [LibraryImport(Library, EntryPoint = "svn_last_error")] internal static partial byte* LastError();
    [LibraryImport(Library, EntryPoint = "svn_torch_version")] internal static partial byte* TorchVersion();
    [LibraryImport(Library, EntryPoint = "svn_set_num_threads")] internal static partial int SetNumThreads(int intraOp, int blas);
    [LibraryImport(Library, EntryPoint = "svn_get_num_threads")] internal static partial int GetNumThreads();
    [LibraryImport(Library, EntryPoint = "svn_blas_library")] internal static partial byte* BlasLibrary();
    [LibraryImport(Library, EntryPoint = "svn_manual_seed")] internal static partial int ManualSeed(ulong seed);
    [LibraryImport(Library, EntryPoint = "svn_cuda_device_count")] internal static partial int CudaDeviceCount();
    [LibraryImport(Library, EntryPoint = "svn_cuda_synchronize")] internal static partial int CudaSynchronize(int device);
    [LibraryImport(Library, EntryPoint = "svn_grad_enabled")] internal static partial int GradEnabled();
    [LibraryImport(Library, EntryPoint = "svn_set_grad_enabled")] internal static partial void SetGradEnabled(int enabled);
    [LibraryImport(Library, EntryPoint = "svn_live_tensors")] internal static partial long LiveTensors();
    [LibraryImport(Library, EntryPoint = "svn_profiler_start", StringMarshalling = StringMarshalling.Utf8)] internal static partial int ProfilerStart(string tracePath, out IntPtr session);
    [LibraryImport(Library, EntryPoint = "svn_profiler_stop")] internal static partial int ProfilerStop(IntPtr session);

    [LibraryImport(Library, EntryPoint = "svn_tensor_from_data")]
    internal static partial int TensorFromData(void* data, int dtype, long* shape, int ndim, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Library, EntryPoint = "svn_tensor_copy_to_host")] internal static partial int CopyToHost(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Library, EntryPoint = "svn_tensor_data_ptr")] internal static partial int DataPtr(IntPtr t, out IntPtr data);
    [LibraryImport(Library, EntryPoint = "svn_tensor_free")] internal static partial void Free(IntPtr t);
    [LibraryImport(Library, EntryPoint = "svn_tensor_alias")] internal static partial int Alias(IntPtr t, out IntPtr result);
    [LibraryImport(Library, EntryPoint = "svn_tensor_ndim")] internal static partial int NDim(IntPtr t);
    [LibraryImport(Library, EntryPoint = "svn_tensor_shape")] internal static partial int Shape(IntPtr t, long* shape, int max);
    [LibraryImport(Library, EntryPoint = "svn_tensor_strides")] internal static partial int Strides(IntPtr t, long* strides, int max);
    [LibraryImport(Library, EntryPoint = "svn_tensor_dtype")] internal static partial int DType(IntPtr t);
    [LibraryImport(Library, EntryPoint = "svn_tensor_device")] internal static partial int Device(IntPtr t, out int type, out int index);
    [LibraryImport(Library, EntryPoint = "svn_tensor_set_data")] internal static partial int SetData(IntPtr t, IntPtr source);
    [LibraryImport(Library, EntryPoint = "svn_tensor_requires_grad")] internal static partial int RequiresGrad(IntPtr t);
    [LibraryImport(Library, EntryPoint = "svn_tensor_set_requires_grad")] internal static partial int SetRequiresGrad(IntPtr t, int requiresGrad);
    [LibraryImport(Library, EntryPoint = "svn_tensor_grad")] internal static partial int Grad(IntPtr t, out IntPtr grad);
    [LibraryImport(Library, EntryPoint = "svn_tensor_set_grad")] internal static partial int SetGrad(IntPtr t, IntPtr grad);
    [LibraryImport(Library, EntryPoint = "svn_tensor_backward")] internal static partial int Backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);
    [LibraryImport(Library, EntryPoint = "svn_tensor_is_leaf")] internal static partial int IsLeaf(IntPtr t);

    [LibraryImport(Library, EntryPoint = "svn_op_find")] internal static partial int OpFind(byte* name, byte* overload, out IntPtr op);
    [LibraryImport(Library, EntryPoint = "svn_op_schema")] internal static partial int OpSchema(IntPtr op, out byte* schema);
    [LibraryImport(Library, EntryPoint = "svn_op_call")]
    internal static partial int OpCall(IntPtr op, NativeValue* args, int nargs, NativeValue* results, int maxResults, out int nresults);

    [LibraryImport(Library, EntryPoint = "svn_adam_step")]
    internal static partial int AdamStep(IntPtr* parameters, IntPtr* grads, IntPtr* expAvg, IntPtr* expAvgSq, int count, AdamConfig* config);
    [LibraryImport(Library, EntryPoint = "svn_sgd_step")]
    internal static partial int SgdStep(IntPtr* parameters, IntPtr* grads, IntPtr* momentumBuffers, int count, SgdConfig* config);

    /// <summary>Throws a <see cref="TorchException"/> carrying libtorch's message when a native call failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status != 0) ThrowLastError();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLastError() =>
        throw new TorchException(Marshal.PtrToStringUTF8((IntPtr)LastError()) ?? "unknown native error");
}

/// <summary>Mirror of <c>svn_value</c>: one argument or result of a generic operator call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeValue
{
    public ValueKind Kind;
    public int Reserved;
    public long I;
    public double D;
    public IntPtr P;
    public long N;
}

/// <summary>Mirror of <c>svn_kind</c>.</summary>
internal enum ValueKind
{
    None = 0, Tensor = 1, Int = 2, Double = 3, Bool = 4, IntList = 5, DoubleList = 6, TensorList = 7,
    String = 8, Default = 9, Device = 10, OptionalTensorList = 11, BoolList = 12,
}

/// <summary>Mirror of <c>svn_adam_config</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AdamConfig
{
    public double Lr, Beta1, Beta2, Eps, WeightDecay;
    public long Step;
    public int Decoupled;
    public int Reserved;
}

/// <summary>Mirror of <c>svn_sgd_config</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SgdConfig
{
    public double Lr, Momentum, Dampening, WeightDecay, LarsEta;
    public int Nesterov;
    public int FirstStep;
}
