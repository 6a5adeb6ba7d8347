namespace SimVae.Featurization;

/// <summary>
/// An N × F matrix of float features in one compact row-major array: row i (image i) is
/// <c>Values[i·F .. i·F + F − 1]</c>. <see cref="Row"/> gives a row without copying, <see cref="ToRows"/> a jagged copy.
/// </summary>
public sealed class FeatureMatrix
{
    /// <summary>Wraps <paramref name="values"/> (not copied) as <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    /// <exception cref="ArgumentException">The array length is not rows · columns.</exception>
    public FeatureMatrix(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (values.LongLength != (long)rows * columns)
            throw new ArgumentException($"{rows} × {columns} features need {(long)rows * columns} values, got {values.LongLength}", nameof(values));
        Values = values;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>N, one row per image.</summary>
    public int Rows { get; }

    /// <summary>F, the feature dimension.</summary>
    public int Columns { get; }

    /// <summary>All values, row-major (the array itself, not a copy).</summary>
    public float[] Values { get; }

    /// <summary>The features of image <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"the matrix has {Rows} rows");
        return Values.AsSpan(row * Columns, Columns);
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public float this[int row, int column]
    {
        get
        {
            if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column), column, $"the matrix has {Columns} columns");
            return Row(row)[column];
        }
    }

    /// <summary>The first row holding a NaN or infinite value, or null when every value is finite.</summary>
    public int? FirstNonFiniteRow()
    {
        for (long k = 0; k < Values.LongLength; k++)
            if (!float.IsFinite(Values[k])) return (int)(k / Math.Max(Columns, 1));
        return null;
    }

    /// <summary>The rows as separate arrays (copied).</summary>
    public float[][] ToRows()
    {
        var rows = new float[Rows][];
        for (int i = 0; i < Rows; i++) rows[i] = Row(i).ToArray();
        return rows;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Rows} × {Columns} features";
}
