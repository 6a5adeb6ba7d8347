namespace SimVae.Augmentations;

/// <summary>
/// The random parameters sampled for a batch of views: named columns of one float per view (e.g.
/// <c>crop_scale</c>, <c>vflip</c>). Transforms add their columns; a name used twice gets a suffix (<c>_2</c>, ...).
/// Flags are 0/1; the name and meaning of each column is documented on the transform that writes it.
/// </summary>
public sealed class ViewParameters
{
    private readonly Dictionary<string, float[]> columns = new();
    private readonly List<string> order = new();

    /// <summary>An empty set of columns for <paramref name="count"/> views.</summary>
    public ViewParameters(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must not be negative");
        Count = count;
    }

    /// <summary>Number of views (rows).</summary>
    public int Count { get; }

    /// <summary>Column names in the order they were added.</summary>
    public IReadOnlyList<string> Names => order;

    /// <summary>The values of column <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such column.</exception>
    public float[] this[string name] => columns.TryGetValue(name, out var c) ? c
        : throw new KeyNotFoundException($"no view parameter '{name}' (have: {string.Join(", ", order)})");

    /// <summary>Whether a column exists.</summary>
    public bool Contains(string name) => columns.ContainsKey(name);

    /// <summary>Adds a column; returns the name it was stored under (suffixed when taken).</summary>
    public string Add(string name, float[] values)
    {
        if (values.Length != Count) throw new ArgumentException($"column '{name}' has {values.Length} values for {Count} views", nameof(values));
        string key = name;
        for (int k = 2; columns.ContainsKey(key); k++) key = $"{name}_{k}";
        columns[key] = values;
        order.Add(key);
        return key;
    }

    /// <summary>Stacks parameter sets row-wise (e.g. the views of several transforms); columns missing in a part are NaN.</summary>
    public static ViewParameters Concat(IReadOnlyList<ViewParameters> parts)
    {
        var result = new ViewParameters(parts.Sum(p => p.Count));
        foreach (var name in parts.SelectMany(p => p.Names).Distinct())
        {
            var values = new float[result.Count];
            int offset = 0;
            foreach (var part in parts)
            {
                var span = values.AsSpan(offset, part.Count);
                if (part.columns.TryGetValue(name, out var c)) c.CopyTo(span);
                else span.Fill(float.NaN);
                offset += part.Count;
            }
            result.Add(name, values);
        }
        return result;
    }
}
