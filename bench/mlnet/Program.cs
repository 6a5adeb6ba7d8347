// bench/run mlnet: the ML.NET featurizer stage against the core batched featurizer, on FashionMNIST (the authors' MLP, d = 10).
// Keys:
//   fit_rows_per_s        training rows / seconds of SimVaeFeaturize(...).Fit on --fit-rows train rows, one epoch
//                         (reading the IDataView, training with TorchSharp, exporting the encoder to ONNX)
//   transform_rows_per_s  the 10,000 test rows through a fitted pipeline's Transform, the feature column fully consumed
//                         (in-process: the stage's one ONNX Runtime session on batches of rows)
//   core_rows_per_s       Featurizer.Transform (TorchSharp, batches of 256) on the same rows with the same weights
//   loaded_rows_per_s     the same rows through the pipeline reloaded by a plain mlContext.Model.Load (ML.NET's
//                         OnnxTransformer, one row per call: what a consumer without SimVae gets)
//   ratio                 transform_rows_per_s / core_rows_per_s (target ≥ 0.5)
//   max_abs_diff          largest difference between the stage's and the core's features
//   core_bf16_rows_per_s  Featurizer.Transform in a bfloat16 MixedPrecision region (bf16 products, features come back
//                         float32); on a CPU without native bfloat16 (bf16_native=0) libtorch runs it in scalar loops,
//                         so only the first 1,000 test rows, once
//   bf16_max_abs_diff     largest difference between the bf16 and the float32 core features (features are O(1))
// Each timed figure is the best of --repeats runs. Options: --fit-rows N (default 10000), --repeats R (default 3).
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Featurization;
using SimVae.MLNet;
using SimVae.Training;
using TorchSharp;

int fitRows = 10_000, repeats = 3;
for (int a = 0; a < args.Length - 1; a++)
{
    if (args[a] == "--fit-rows") fitRows = int.Parse(args[++a], CultureInfo.InvariantCulture);
    else if (args[a] == "--repeats") repeats = int.Parse(args[++a], CultureInfo.InvariantCulture);
}
TorchRuntime.EnsureDefaultThreads();
var train = FashionMnist.Load(DataSplit.Train).Subset(Enumerable.Range(0, fitRows).ToArray());
var test = FashionMnist.Load(DataSplit.Test);
var ml = new MLContext(seed: 1);
IDataView View(ImageDataset images) => ml.Data.LoadFromEnumerable(
    Enumerable.Range(0, images.Count).Select(i => new Row { Pixels = images.Image(i).ToArray().Select(b => (float)b).ToArray() }),
    Row.Schema(images.ImageSize));
var trainView = View(train);
var testView = View(test);
Console.WriteLine($"libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.Threads} threads, {Environment.ProcessorCount} cores; fit on {fitRows} rows, transform {test.Count} rows");

var clock = Stopwatch.StartNew();
using (ml.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions { Epochs = 1, Device = torch.CPU }).Fit(trainView)) { }
double fitSeconds = clock.Elapsed.TotalSeconds;

// One trained model serves both sides, so the comparison is of the same weights.
var trainer = new Trainer(new TrainerOptions { MaxSteps = 20, Seed = 1, Device = torch.CPU, Prefetch = 0 });
using var model = trainer.CreateModel(new SimVae.Methods.SimVaeOptions());
trainer.Train(model, train);
using var featurizer = new Featurizer(model);
using var stage = ml.Transforms.SslFeaturize("Features", "Pixels", featurizer).Fit(testView);
var modelPath = Path.Combine(Directory.CreateTempSubdirectory("simvae-bench-").FullName, "model.zip");
ml.Model.Save(stage, testView.Schema, modelPath);
var loaded = new MLContext().Model.Load(modelPath, out _);

float[] Consume(IDataView view)
{
    var values = new float[test.Count * 10];
    using var cursor = view.GetRowCursor([view.Schema["Features"]]);
    var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
    VBuffer<float> row = default;
    int i = 0;
    while (cursor.MoveNext())
    {
        getter(ref row);
        row.GetValues().CopyTo(values.AsSpan(i++ * 10, 10));
    }
    return values;
}
double Best(Action run, int? times = null)
{
    double best = double.MaxValue;
    for (int r = 0; r < (times ?? repeats); r++)
    {
        var watch = Stopwatch.StartNew();
        run();
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    return best;
}
float[] staged = [], core = [];
double transform = Best(() => staged = Consume(stage.Transform(testView)));
double coreSeconds = Best(() => core = featurizer.Transform(test).Values);
double loadedSeconds = Best(() => Consume(loaded.Transform(testView)));
float maxDiff = staged.Zip(core, (a, b) => Math.Abs(a - b)).Max();

bool native = CpuFeatures.NativeBFloat16;
var bf16Rows = native ? test : test.Subset(Enumerable.Range(0, 1000).ToArray());
float[] bf16 = [];
double bf16Seconds = Best(() =>
{
    using var region = MixedPrecision.Enable(Precision.BFloat16);
    bf16 = featurizer.Transform(bf16Rows).Values;
}, native ? null : 1);
float bf16Diff = bf16.Zip(core, (a, b) => Math.Abs(a - b)).Max();
string F(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
Console.WriteLine($"RESULT mlnet fit_rows_per_s={F(fitRows / fitSeconds)} transform_rows_per_s={F(test.Count / transform)} core_rows_per_s={F(test.Count / coreSeconds)} " +
    $"loaded_rows_per_s={F(test.Count / loadedSeconds)} ratio={(coreSeconds / transform).ToString("F2", CultureInfo.InvariantCulture)} max_abs_diff={maxDiff.ToString("G3", CultureInfo.InvariantCulture)} " +
    $"core_bf16_rows_per_s={F(bf16Rows.Count / bf16Seconds)} bf16_max_abs_diff={bf16Diff.ToString("G3", CultureInfo.InvariantCulture)} bf16_native={(native ? 1 : 0)}");

/// <summary>A FashionMNIST row as ExtractPixels gives it: 0–255 floats.</summary>
internal sealed class Row
{
    public float[] Pixels { get; set; } = [];

    public static SchemaDefinition Schema(int size)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return schema;
    }
}
