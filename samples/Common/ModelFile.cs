// The samples' model file, in the spirit of ML.NET's MLModel.zip: one zip holding the SimVae featurizer (a model
// bundle, featurizer.simvae), the classifier (classifier.bin, see KnnClassifier.Save) and the label names (labels.json).
using System.IO.Compression;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Featurization;

namespace SimVae.Samples;

/// <summary>Saves and loads a featurizer + classifier pair as one zip file.</summary>
public static class ModelFile
{
    /// <summary>Writes the model file.</summary>
    public static void Save(string path, string bundlePath, KnnClassifier classifier, IReadOnlyList<string> labels)
    {
        if (File.Exists(path)) File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        zip.CreateEntryFromFile(bundlePath, "featurizer.simvae", CompressionLevel.NoCompression);
        using (var entry = zip.CreateEntry("classifier.bin").Open()) classifier.Save(entry);
        using (var writer = new StreamWriter(zip.CreateEntry("labels.json").Open())) writer.Write(JsonSerializer.Serialize(labels));
    }

    /// <summary>Reads the model file: the featurizer (validated bundle), the classifier and the label names.</summary>
    public static (Featurizer Featurizer, ModelBundle Bundle, KnnClassifier Classifier, string[] Labels) Load(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        string Text(string name)
        {
            using var reader = new StreamReader((zip.GetEntry(name) ?? throw new InvalidDataException($"{path}: entry {name} is missing")).Open());
            return reader.ReadToEnd();
        }
        using var bundleStream = new MemoryStream();
        using (var entry = (zip.GetEntry("featurizer.simvae") ?? throw new InvalidDataException($"{path}: entry featurizer.simvae is missing")).Open())
            entry.CopyTo(bundleStream);
        bundleStream.Position = 0;
        var bundle = ModelBundle.Load(bundleStream, name: $"{path}!featurizer.simvae");
        var labels = JsonSerializer.Deserialize<string[]>(Text("labels.json")) ?? [];
        KnnClassifier classifier;
        using (var entry = (zip.GetEntry("classifier.bin") ?? throw new InvalidDataException($"{path}: entry classifier.bin is missing")).Open())
        using (var buffer = new MemoryStream())
        {
            entry.CopyTo(buffer);
            buffer.Position = 0;
            classifier = KnnClassifier.Load(buffer);
        }
        return (new Featurizer(bundle), bundle, classifier, labels);
    }
}
