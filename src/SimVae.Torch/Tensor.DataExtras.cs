using SimVae.Torch.Native;

namespace SimVae.Torch;

public sealed partial class Tensor
{
    private static readonly Op ReflectionPad2dOp = new("aten::reflection_pad2d");
    private static readonly Op GeTensorOp = new("aten::ge", "Tensor");
    private static readonly Op LeTensorOp = new("aten::le", "Tensor");

    /// <summary>
    /// Decodes a PNG or JPEG image with OpenCV (through the native layer), converts it to grayscale
    /// (<paramref name="channels"/> = 1) or RGB (3), and resizes it to <paramref name="height"/>×<paramref name="width"/>
    /// with area interpolation. Returns a uint8 CPU tensor (channels, height, width).
    /// </summary>
    /// <exception cref="TorchException">The bytes are not a decodable image, or the native library was built without OpenCV.</exception>
    public static unsafe Tensor DecodeImage(ReadOnlySpan<byte> encoded, int channels, int height, int width)
    {
        if (encoded.IsEmpty) throw new ArgumentException("no image bytes", nameof(encoded));
        fixed (byte* p = encoded)
        {
            NativeMethods.Check(NativeMethods.ImageDecode(p, encoded.Length, channels, height, width, out var result));
            return new Tensor(result);
        }
    }

    /// <summary>Pads the last two dimensions by mirroring (no edge repeat): padding is (left, right, top, bottom).</summary>
    public Tensor ReflectionPad2d(long left, long right, long top, long bottom) =>
        ReflectionPad2dOp.Call(this, new[] { left, right, top, bottom });

    /// <summary>Elementwise <c>this &gt;= other</c> (bool, broadcasting).</summary>
    public Tensor Ge(Tensor other) => GeTensorOp.Call(this, other);

    /// <summary>Elementwise <c>this &lt;= other</c> (bool, broadcasting).</summary>
    public Tensor Le(Tensor other) => LeTensorOp.Call(this, other);
}
