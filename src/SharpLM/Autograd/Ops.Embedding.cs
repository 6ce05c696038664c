using SharpLM.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Embedding lookup — turns token ids into vectors: table <c>[V,C]</c>, ids of shape
    /// <paramref name="idsShape"/> (e.g. <c>[B,T]</c>) → <c>[B,T,C]</c>, row <c>ids[i]</c> of the table.
    /// Backward (scatter-add): <c>dtable[ids[i]] += dy[i]</c>, in position order (deterministic).
    /// </summary>
    public static Variable Embedding(this Tape tape, Variable table, int[] ids, params int[] idsShape)
    {
        if (table.Data.Rank != 2) throw new ArgumentException($"Embedding: table must be [V,C], got {table.Data}.", nameof(table));
        int vocab = table.Data.Dim(0), c = table.Data.Dim(1);
        long count = 1;
        foreach (var d in idsShape) count *= d;
        if (idsShape.Length == 0) count = ids.Length;
        if (count != ids.Length)
            throw new ArgumentException($"Embedding: {ids.Length} ids do not fill shape {Tensor.FormatShape(idsShape)}.", nameof(idsShape));
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Embedding: id {ids[i]} at position {i} is outside the vocabulary 0..{vocab - 1}.");

        int[] shape = idsShape.Length == 0 ? [ids.Length, c] : [.. idsShape, c];
        var y = tape.NewTensor(shape);
        var tableSpan = table.Data.Span;
        var ys = y.Span;
        for (int i = 0; i < ids.Length; i++)
            tableSpan.Slice(ids[i] * c, c).CopyTo(ys.Slice(i * c, c));

        return tape.Record(y, r =>
        {
            var dy = r.Grad!.Span;
            var dt = table.GradOrZeros(tape).Span;
            for (int i = 0; i < ids.Length; i++)
            {
                var row = dt.Slice(ids[i] * c, c);
                System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(i * c, c), row);
            }
        }, table);
    }
}
