namespace SimVae.Tests;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("simvae-tests-");

    public string File(string name) => Path.Combine(folder.FullName, name);

    public void Dispose()
    {
        try { folder.Delete(recursive: true); } catch (IOException) { }
    }
}
