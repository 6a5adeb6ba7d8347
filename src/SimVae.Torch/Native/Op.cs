using System.Runtime.InteropServices;
using System.Text;

namespace SimVae.Torch.Native;

/// <summary>
/// A libtorch operator found by schema name (e.g. <c>aten::conv2d</c>) and called through the boxed dispatcher.
/// Instances are cached in static fields; the lookup happens once, on first use.
/// Arguments not given take the schema's defaults.
/// </summary>
internal sealed unsafe class Op
{
    private const int MaxInlineArgs = 16;
    private readonly string name;
    private readonly string overload;
    private IntPtr handle;

    internal Op(string name, string overload = "")
    {
        this.name = name;
        this.overload = overload;
    }

    private IntPtr Handle => handle != IntPtr.Zero ? handle : Find();

    private IntPtr Find()
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var overloadBytes = Encoding.UTF8.GetBytes(overload + "\0");
        fixed (byte* n = nameBytes)
        fixed (byte* o = overloadBytes)
        {
            NativeMethods.Check(NativeMethods.OpFind(n, o, out var found));
            handle = found;
        }
        return handle;
    }

    /// <summary>The operator's schema as libtorch prints it (for error messages and docs).</summary>
    internal string Schema
    {
        get
        {
            NativeMethods.Check(NativeMethods.OpSchema(Handle, out var text));
            return Marshal.PtrToStringUTF8((IntPtr)text) ?? name;
        }
    }

    /// <summary>Calls an operator that returns one tensor.</summary>
    internal Tensor Call(params ReadOnlySpan<OpArg> args)
    {
        NativeValue result;
        int count = Invoke(args, &result, 1);
        if (count != 1 || result.Kind != ValueKind.Tensor)
        {
            ReleaseResults(&result, count);
            throw new InvalidOperationException($"{name} did not return a single tensor");
        }
        return new Tensor(result.P);
    }

    /// <summary>Calls an operator that returns several tensors (a tuple or a list).</summary>
    internal Tensor[] CallMany(int maxResults, params ReadOnlySpan<OpArg> args)
    {
        var results = new NativeValue[maxResults];
        fixed (NativeValue* r = results)
        {
            int count = Invoke(args, r, maxResults);
            var tensors = new Tensor[count];
            for (int k = 0; k < count; k++)
            {
                if (r[k].Kind != ValueKind.Tensor)
                {
                    for (int j = 0; j < k; j++) tensors[j].Dispose();
                    ReleaseResults(r + k, count - k);
                    throw new InvalidOperationException($"{name} returned an undefined or non-tensor result at position {k}");
                }
                tensors[k] = new Tensor(r[k].P);
            }
            return tensors;
        }
    }

    /// <summary>Calls an operator that returns one number (int, float or bool).</summary>
    internal double CallScalar(params ReadOnlySpan<OpArg> args)
    {
        NativeValue result;
        int count = Invoke(args, &result, 1);
        if (count == 1 && result.Kind == ValueKind.Double) return result.D;
        if (count == 1 && result.Kind is ValueKind.Int or ValueKind.Bool) return result.I;
        ReleaseResults(&result, count);
        throw new InvalidOperationException($"{name} did not return a number");
    }

    /// <summary>Calls an in-place operator; its result (an alias of the target) is released.</summary>
    internal void CallInPlace(params ReadOnlySpan<OpArg> args)
    {
        NativeValue result;
        int count = Invoke(args, &result, 1);
        ReleaseResults(&result, count);
    }

    private static void ReleaseResults(NativeValue* results, int count)
    {
        for (int k = 0; k < count; k++)
            if (results[k].Kind == ValueKind.Tensor) NativeMethods.Free(results[k].P);
    }

    private int Invoke(ReadOnlySpan<OpArg> args, NativeValue* results, int maxResults)
    {
        if (args.Length > MaxInlineArgs) throw new ArgumentException($"{name}: too many arguments ({args.Length})");
        var values = stackalloc NativeValue[MaxInlineArgs];
        var pins = new PinSet();
        try
        {
            for (int k = 0; k < args.Length; k++) values[k] = ToNative(args[k], ref pins);
            NativeMethods.Check(NativeMethods.OpCall(Handle, values, args.Length, results, maxResults, out int count));
            return count;
        }
        catch (TorchException e)
        {
            throw new TorchException($"{name}: {e.Message}");
        }
        finally
        {
            pins.Release();
            // Tensors referenced by args must outlive the native call.
            foreach (ref readonly var a in args) GC.KeepAlive(a.Ref);
        }
    }

    private static NativeValue ToNative(in OpArg a, ref PinSet pins)
    {
        var v = new NativeValue { Kind = a.Kind, I = a.I, D = a.D };
        switch (a.Kind)
        {
            case ValueKind.Tensor:
                v.P = ((Tensor)a.Ref!).Handle;
                break;
            case ValueKind.Device:
                v.N = (long)a.D;
                v.D = 0;
                break;
            case ValueKind.IntList:
                var ints = (long[])a.Ref!;
                v.P = pins.Pin(ints);
                v.N = ints.Length;
                break;
            case ValueKind.DoubleList:
                var doubles = (double[])a.Ref!;
                v.P = pins.Pin(doubles);
                v.N = doubles.Length;
                break;
            case ValueKind.BoolList:
                var bools = Array.ConvertAll((bool[])a.Ref!, b => b ? 1L : 0L);
                v.P = pins.Pin(bools);
                v.N = bools.Length;
                break;
            case ValueKind.TensorList:
            case ValueKind.OptionalTensorList:
                var tensors = (Tensor?[])a.Ref!;
                var handles = new IntPtr[tensors.Length];
                for (int k = 0; k < tensors.Length; k++) handles[k] = tensors[k]?.Handle ?? IntPtr.Zero;
                v.P = pins.Pin(handles);
                v.N = tensors.Length;
                break;
            case ValueKind.String:
                v.P = pins.Pin(Encoding.UTF8.GetBytes((string)a.Ref! + "\0"));
                break;
        }
        return v;
    }

    /// <summary>Pinned arrays for the duration of one call; allocation-free when nothing needs pinning.</summary>
    private struct PinSet
    {
        private List<GCHandle>? handles;

        internal IntPtr Pin(Array array)
        {
            var h = GCHandle.Alloc(array, GCHandleType.Pinned);
            (handles ??= new List<GCHandle>(4)).Add(h);
            return h.AddrOfPinnedObject();
        }

        internal readonly void Release()
        {
            if (handles is null) return;
            foreach (var h in handles) h.Free();
        }
    }
}
