using SkiaSharp;

namespace SimVae.Data;

/// <summary>
/// Decodes PNG and JPEG bytes in managed code (SkiaSharp's codecs) to uint8 CHW pixels of a given size: alpha is
/// dropped (colour values unpremultiplied), no colour-space conversion is applied, colour becomes gray by ITU-R 601
/// luma in OpenCV's fixed point (4899 R + 9617 G + 1868 B + 2¹³) » 14, gray becomes RGB by repetition, a JPEG's EXIF
/// orientation is applied (as OpenCV's imdecode does), and the image is resized by pixel-area averaging (OpenCV's INTER_AREA; see <see cref="AreaResize"/>). The caller checks
/// the header's size (<see cref="ImageHeader"/>) before decoding; failures throw <see cref="InvalidDataException"/>.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="destination"/> (channels·height·width bytes, CHW).</summary>
    /// <param name="encoded">A whole PNG or JPEG file.</param>
    /// <param name="format">"PNG" or "JPEG", for messages.</param>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="destination">Receives the pixels.</param>
    /// <exception cref="InvalidDataException">The bytes do not decode completely.</exception>
    public static unsafe void Decode(byte[] encoded, string format, int channels, int height, int width, Span<byte> destination)
    {
        if (destination.Length != channels * height * width) throw new ArgumentException("destination size does not match", nameof(destination));
        // The codec owns the stream from here on (also when it fails to open).
        using var codec = SKCodec.Create(new SKMemoryStream(encoded), out var opened)
            ?? throw new InvalidDataException($"could not decode {format}: {Describe(opened)}");
        int w = codec.Info.Width, h = codec.Info.Height;
        if ((long)w * h > ImageFolderReader.MaxPixels) throw new InvalidDataException($"could not decode {format}: {w}x{h} pixels is too large");
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[(long)w * h * 4];
        SKCodecResult result;
        fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        if (result != SKCodecResult.Success) throw new InvalidDataException($"could not decode {format}: {Describe(result)}");

        var planes = ToPlanes(rgba, w * h, channels);
        (planes, h, w) = Orient(planes, h, w, channels, codec.EncodedOrigin);
        int size = height * width;
        for (int c = 0; c < channels; c++)
            AreaResize.Resize(planes.AsSpan(c * w * h, w * h), h, w, destination.Slice(c * size, size), height, width);
    }

    /// <summary>RGBA pixels to <paramref name="channels"/> planes (gray: luma; RGB: the colour planes).</summary>
    private static byte[] ToPlanes(byte[] rgba, int pixels, int channels)
    {
        var planes = new byte[(long)pixels * channels];
        for (int i = 0; i < pixels; i++)
        {
            int r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
            if (channels == 1) planes[i] = (byte)((r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14);
            else
            {
                planes[i] = (byte)r;
                planes[pixels + i] = (byte)g;
                planes[2 * pixels + i] = (byte)b;
            }
        }
        return planes;
    }

    /// <summary>
    /// Turns the stored planes upright as the file's EXIF orientation says (TIFF 6.0 tag 274), as OpenCV's imdecode does:
    /// output pixel (y, x) of the upright image reads stored pixel <see cref="Source"/>.
    /// </summary>
    private static (byte[] Planes, int Height, int Width) Orient(byte[] planes, int h, int w, int channels, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return (planes, h, w);
        bool swaps = origin >= SKEncodedOrigin.LeftTop; // 5..8 exchange width and height
        int oh = swaps ? w : h, ow = swaps ? h : w, plane = h * w;
        var upright = new byte[planes.LongLength];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    var (sy, sx) = Source(origin, y, x, h, w);
                    upright[c * plane + y * ow + x] = planes[c * plane + sy * w + sx];
                }
        return (upright, oh, ow);
    }

    /// <summary>The stored (row, column) shown at upright (y, x), for a stored image of h × w.</summary>
    private static (int Y, int X) Source(SKEncodedOrigin origin, int y, int x, int h, int w) => origin switch
    {
        SKEncodedOrigin.TopRight => (y, w - 1 - x),              // mirrored left–right
        SKEncodedOrigin.BottomRight => (h - 1 - y, w - 1 - x),   // turned 180°
        SKEncodedOrigin.BottomLeft => (h - 1 - y, x),            // mirrored top–bottom
        SKEncodedOrigin.LeftTop => (x, y),                       // transposed
        SKEncodedOrigin.RightTop => (h - 1 - x, y),              // shown turned 90° clockwise
        SKEncodedOrigin.RightBottom => (h - 1 - x, w - 1 - y),   // transversed
        SKEncodedOrigin.LeftBottom => (x, w - 1 - y),            // shown turned 90° anticlockwise
        _ => (y, x),
    };

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends early (truncated file)",
        SKCodecResult.ErrorInInput => "corrupt image data",
        SKCodecResult.InvalidInput => "invalid image data",
        SKCodecResult.Unimplemented => "an encoding this decoder does not support",
        _ => result.ToString(),
    };
}
