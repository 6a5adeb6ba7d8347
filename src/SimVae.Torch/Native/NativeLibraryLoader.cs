using System.Reflection;
using System.Runtime.InteropServices;

namespace SimVae.Torch.Native;

/// <summary>
/// Locates libsimvae_native: the <c>SIMVAE_NATIVE_LIBRARY</c> environment variable (a file path) wins, then the
/// assembly's folder, then <c>runtimes/linux-x64/native</c> below it (NuGet layout), then the system loader.
/// </summary>
internal static class NativeLibraryLoader
{
    private static int registered;

    internal static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Library) return IntPtr.Zero;
        foreach (var candidate in Candidates(assembly))
            if (File.Exists(candidate)) return NativeLibrary.Load(candidate);
        if (NativeLibrary.TryLoad("libsimvae_native.so", assembly, searchPath, out var handle)) return handle;
        throw new DllNotFoundException(
            "libsimvae_native.so was not found next to SimVae.Torch.dll. Build the solution (it runs CMake on native/), " +
            "install libtorch (Debian: apt-get install libtorch-dev), or set SIMVAE_NATIVE_LIBRARY to the library's path.");
    }

    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        var overridePath = Environment.GetEnvironmentVariable("SIMVAE_NATIVE_LIBRARY");
        if (!string.IsNullOrEmpty(overridePath)) yield return overridePath;
        var folder = Path.GetDirectoryName(assembly.Location);
        if (string.IsNullOrEmpty(folder)) folder = AppContext.BaseDirectory;
        yield return Path.Combine(folder, "libsimvae_native.so");
        yield return Path.Combine(folder, "runtimes", "linux-x64", "native", "libsimvae_native.so");
        yield return Path.Combine(AppContext.BaseDirectory, "libsimvae_native.so");
    }
}
