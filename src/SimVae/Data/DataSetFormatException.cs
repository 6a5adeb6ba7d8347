namespace SimVae.Data;

/// <summary>
/// A data-set file is missing, malformed or inconsistent. The message names the file and the problem;
/// <see cref="FilePath"/> holds the file.
/// </summary>
public sealed class DataSetFormatException : FormatException
{
    /// <summary>Creates the exception; the message is prefixed with the file path.</summary>
    public DataSetFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner) => FilePath = filePath;

    /// <summary>The file (or folder) that failed.</summary>
    public string FilePath { get; }
}
