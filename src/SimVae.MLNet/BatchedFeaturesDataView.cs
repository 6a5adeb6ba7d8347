using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Export;

namespace SimVae.MLNet;

/// <summary>
/// The output of a fitted stage's in-process <c>Transform</c>: the source rows plus the feature column, with the
/// features computed <see cref="BatchedOnnxSession.BatchRows"/> rows at a time. The schema is that of the saved
/// OnnxTransformer's output, so downstream stages see exactly the columns a loaded model gives them.
/// <para>
/// A cursor that needs the features walks the source twice in step: one source cursor reads only the image column,
/// running ahead by up to a batch, and a second one serves every other column at the current row. IDataView cursors
/// without shuffling visit rows in the same order, and ML.NET computes only the columns a cursor asks for, so the
/// images are read once and no other column is buffered. Cursors that do not need the features go straight to the
/// OnnxTransformer's view.
/// </para>
/// </summary>
internal sealed class BatchedFeaturesDataView : IDataView
{
    private readonly IDataView source;
    private readonly IDataView rowByRow;
    private readonly BatchedOnnxSession encoder;
    private readonly StageDescription stage;
    private readonly int featureIndex;

    public BatchedFeaturesDataView(IDataView source, IDataView rowByRow, BatchedOnnxSession encoder, StageDescription stage)
    {
        this.source = source;
        this.rowByRow = rowByRow;
        this.encoder = encoder;
        this.stage = stage;
        featureIndex = rowByRow.Schema[stage.OutputColumn].Index;
    }

    public DataViewSchema Schema => rowByRow.Schema;

    public bool CanShuffle => false;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        if (needed.All(c => c.Index != featureIndex)) return rowByRow.GetRowCursor(needed, rand);
        var others = needed.Where(c => c.Index != featureIndex).Select(c => source.Schema[c.Index]);
        return new Cursor(this, source.GetRowCursor(others), source.GetRowCursor([source.Schema[stage.InputColumn]]));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedFeaturesDataView view;
        private readonly DataViewRowCursor rows;
        private readonly DataViewRowCursor images;
        private readonly Func<int, int> readBatch;
        private readonly float[] features;
        private int filled, offset = -1;
        private long position = -1;

        public Cursor(BatchedFeaturesDataView view, DataViewRowCursor rows, DataViewRowCursor images)
        {
            this.view = view;
            this.rows = rows;
            this.images = images;
            var stage = view.stage;
            features = new float[BatchedOnnxSession.BatchRows * stage.FeatureLength];
            var column = images.Schema[stage.InputColumn];
            readBatch = stage.PixelType == OnnxPixelType.Byte
                ? BatchReader(images, images.GetGetter<VBuffer<byte>>(column))
                : BatchReader(images, images.GetGetter<VBuffer<float>>(column));
        }

        public override DataViewSchema Schema => view.Schema;

        public override long Position => position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!rows.MoveNext()) return false;
            position++;
            if (++offset >= filled)
            {
                filled = readBatch(BatchedOnnxSession.BatchRows);
                offset = 0;
                if (filled == 0) throw new InvalidOperationException($"the source of column '{view.stage.InputColumn}' ended before its other columns: the data view does not replay its rows in the same order");
            }
            return true;
        }

        /// <summary>Reads up to <c>count</c> images ahead and computes their features; returns how many were read.</summary>
        private Func<int, int> BatchReader<T>(DataViewRowCursor cursor, ValueGetter<VBuffer<T>> getter) where T : unmanaged
        {
            var stage = view.stage;
            var pixels = new T[BatchedOnnxSession.BatchRows * stage.InputSize];
            VBuffer<T> row = default;
            return count =>
            {
                int n = 0;
                for (; n < count && cursor.MoveNext(); n++)
                {
                    getter(ref row);
                    row.CopyTo(pixels.AsSpan(n * stage.InputSize, stage.InputSize));
                }
                if (n > 0) view.encoder.Run(pixels.AsMemory(), n, features);
                return n;
            };
        }

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index == view.featureIndex || (column.Index < rows.Schema.Count && rows.IsColumnActive(rows.Schema[column.Index]));

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != view.featureIndex) return rows.GetGetter<TValue>(rows.Schema[column.Index]);
            if (typeof(TValue) != typeof(VBuffer<float>))
                throw new InvalidOperationException($"column '{column.Name}' holds VBuffer<Single> values, not {typeof(TValue).Name}");
            ValueGetter<VBuffer<float>> getter = GetFeatures;
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        private void GetFeatures(ref VBuffer<float> value)
        {
            int length = view.stage.FeatureLength;
            var editor = VBufferEditor.Create(ref value, length);
            features.AsSpan(offset * length, length).CopyTo(editor.Values);
            value = editor.Commit();
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => rows.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rows.Dispose();
                images.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
