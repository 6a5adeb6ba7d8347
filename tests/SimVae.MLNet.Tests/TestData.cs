using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Data;

namespace SimVae.MLNet.Tests;

/// <summary>A SyntheticShapes image as an ML.NET row: 0–255 float pixels (as ExtractPixels gives) and the content class.</summary>
public sealed class ShapeRow
{
    public float[] Pixels { get; set; } = [];

    public byte[] Bytes { get; set; } = [];

    public uint Label { get; set; }
}

/// <summary>The features and prediction of a row, for reading pipeline outputs.</summary>
public sealed class Prediction
{
    public float[] Features { get; set; } = [];

    public uint PredictedLabel { get; set; }
}

/// <summary>A row type without columns.</summary>
public sealed class NoColumns
{
}

internal static class TestData
{
    /// <summary>
    /// The SchemaShape of <see cref="View"/>'s data. SchemaShape.Create(DataViewSchema) is internal to ML.NET, so the shape
    /// comes from a CustomMapping that adds the columns to an empty shape.
    /// </summary>
    public static SchemaShape Shape(MLContext ml, int pixelLength, int size) =>
        ml.Transforms.CustomMapping<NoColumns, ShapeRow>((_, _) => { }, null, outputSchemaDefinition: Definition(pixelLength, size))
            .GetOutputSchema(new SchemaShape([]));

    private static SchemaDefinition Definition(int pixelLength, int size)
    {
        var schema = SchemaDefinition.Create(typeof(ShapeRow));
        schema[nameof(ShapeRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, pixelLength);
        schema[nameof(ShapeRow.Bytes)].ColumnType = new VectorDataViewType(NumberDataViewType.Byte, size);
        return schema;
    }

    public static ImageDataset Shapes(int count, int size, int seed) =>
        SyntheticShapes.Generate(new SyntheticShapesOptions { Count = count, Size = size, Seed = seed });

    /// <summary>The data set as an IDataView with fixed-size vector columns Pixels (Single) and Bytes (Byte), and Label (class + 1, as ML.NET keys start at 1).</summary>
    public static IDataView View(MLContext ml, ImageDataset data, int? pixelLength = null)
    {
        int size = data.ImageSize;
        var rows = Enumerable.Range(0, data.Count).Select(i =>
        {
            var bytes = data.Image(i).ToArray();
            var pixels = bytes.Select(b => (float)b).ToArray();
            if (pixelLength is { } n) pixels = pixels.Concat(new float[Math.Max(0, n - size)]).Take(n).ToArray();
            return new ShapeRow { Pixels = pixels, Bytes = bytes, Label = (uint)data.Label(i) };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows, Definition(pixelLength ?? size, size));
    }

    /// <summary>The float vectors of a column.</summary>
    public static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    /// <summary>The schema of <see cref="ShapeRow"/> with the given vector sizes, for prediction engines.</summary>
    public static SchemaDefinition InputDefinition(int pixelLength, int size) => Definition(pixelLength, size);

    /// <summary>Asserts equal shapes and element-wise differences of at most <paramref name="tolerance"/>; returns the largest difference.</summary>
    public static float AssertClose(float[][] expected, float[][] actual, float tolerance, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: row counts");
        float largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].Length, actual[i].Length, $"{what}: row {i} length");
            for (int j = 0; j < expected[i].Length; j++)
            {
                float difference = Math.Abs(expected[i][j] - actual[i][j]);
                largest = Math.Max(largest, difference);
                Assert.IsTrue(difference <= tolerance, $"{what}: row {i}, element {j}: {expected[i][j]} vs {actual[i][j]}");
            }
        }
        return largest;
    }
}
