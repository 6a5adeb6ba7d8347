using System.Runtime.InteropServices;

namespace SimVae.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "svn_image_decode")]
    internal static partial int ImageDecode(byte* bytes, long length, int channels, int height, int width, out IntPtr result);
}
