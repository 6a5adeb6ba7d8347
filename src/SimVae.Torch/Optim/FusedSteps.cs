using SimVae.Torch.Native;

namespace SimVae.Torch.Optim;

/// <summary>Calls the fused native optimizer kernels (native/src/optim.cpp) over arrays of handles.</summary>
internal static unsafe class FusedSteps
{
    internal static void Adam(List<Tensor> parameters, List<Tensor> grads, List<Tensor> expAvg, List<Tensor> expAvgSq, AdamConfig config)
    {
        int n = parameters.Count;
        if (n == 0) return;
        var p = Handles(parameters);
        var g = Handles(grads);
        var m = Handles(expAvg);
        var v = Handles(expAvgSq);
        fixed (IntPtr* pp = p, gp = g, mp = m, vp = v)
            NativeMethods.Check(NativeMethods.AdamStep(pp, gp, mp, vp, n, &config));
        GC.KeepAlive(parameters);
        GC.KeepAlive(grads);
        GC.KeepAlive(expAvg);
        GC.KeepAlive(expAvgSq);
    }

    // buffers: momentum buffers, or null entries (or a null list) for plain SGD.
    internal static void Sgd(List<Tensor> parameters, List<Tensor> grads, List<Tensor?>? buffers, SgdConfig config)
    {
        int n = parameters.Count;
        if (n == 0) return;
        var p = Handles(parameters);
        var g = Handles(grads);
        var b = buffers is null ? null : NullableHandles(buffers);
        fixed (IntPtr* pp = p, gp = g, bp = b)
            NativeMethods.Check(NativeMethods.SgdStep(pp, gp, b is null ? null : bp, n, &config));
        GC.KeepAlive(parameters);
        GC.KeepAlive(grads);
        GC.KeepAlive(buffers);
    }

    private static IntPtr[] Handles(List<Tensor> tensors)
    {
        var h = new IntPtr[tensors.Count];
        for (int k = 0; k < h.Length; k++) h[k] = tensors[k].Handle;
        return h;
    }

    private static IntPtr[] NullableHandles(List<Tensor?> tensors)
    {
        var h = new IntPtr[tensors.Count];
        for (int k = 0; k < h.Length; k++) h[k] = tensors[k]?.Handle ?? IntPtr.Zero;
        return h;
    }
}
