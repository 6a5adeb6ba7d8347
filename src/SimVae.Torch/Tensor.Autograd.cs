using SimVae.Torch.Native;

namespace SimVae.Torch;

public sealed partial class Tensor
{
    /// <summary>Whether gradients flow to this tensor. Setting it is allowed on leaf tensors only.</summary>
    public bool RequiresGrad
    {
        get => NativeMethods.RequiresGrad(Handle) != 0;
        set
        {
            // libtorch's C++ API silently ignores this on a non-leaf (its grad_fn keeps it requiring grad); PyTorch refuses.
            if (!IsLeaf)
                throw new InvalidOperationException("only leaf tensors can change RequiresGrad; use Detach() to cut a computed tensor from the graph");
            NativeMethods.Check(NativeMethods.SetRequiresGrad(Handle, value ? 1 : 0));
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (fluent).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Replaces this tensor's data (and so its device and type) by <paramref name="source"/>'s while keeping its
    /// identity, gradient flag and every reference to it (PyTorch's <c>param.data = source</c>).
    /// </summary>
    public void SetData(Tensor source)
    {
        NativeMethods.Check(NativeMethods.SetData(Handle, source.Handle));
        GC.KeepAlive(source);
    }

    /// <summary>Whether the tensor is a leaf of the autograd graph (created by the user, not by an operation).</summary>
    public bool IsLeaf => NativeMethods.IsLeaf(Handle) != 0;

    /// <summary>
    /// The accumulated gradient as a new handle (dispose it or let the scope do it), or null when none.
    /// Setting it replaces the gradient (null clears it).
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            NativeMethods.Check(NativeMethods.Grad(Handle, out var g));
            return g == IntPtr.Zero ? null : new Tensor(g);
        }
        set
        {
            NativeMethods.Check(NativeMethods.SetGrad(Handle, value?.Handle ?? IntPtr.Zero));
            GC.KeepAlive(value);
        }
    }

    /// <summary>Computes gradients of this tensor with respect to the graph's leaves (like <c>tensor.backward()</c>).</summary>
    /// <param name="gradient">The upstream gradient; required unless the tensor has one element.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    /// <param name="createGraph">Record the backward pass itself (for higher-order gradients); implies <paramref name="retainGraph"/>, as in PyTorch.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        // PyTorch's retain_graph defaults to create_graph: the graph must survive to differentiate the recorded gradients.
        NativeMethods.Check(NativeMethods.Backward(Handle, gradient?.Handle ?? IntPtr.Zero, retainGraph || createGraph ? 1 : 0, createGraph ? 1 : 0));
        GC.KeepAlive(gradient);
    }
}
