using SharpLM.Autograd;

namespace SharpLM.Models;

/// <summary>
/// Keeps the first V of the Vp logit columns: the head is padded to a multiple of 64 rows
/// for speed (llm.c's Vp), but only real tokens may be predicted, so the softmax and the
/// loss see <c>[N,V]</c>. Backward copies the gradient into the first V columns and leaves
/// the padding columns' gradient zero, so padding rows of the head never change.
/// </summary>
internal static class VocabularySlice
{
    /// <summary>logits <c>[..., Vp]</c> → <c>[..., V]</c> (the same variable when V = Vp).</summary>
    public static Variable FirstColumns(this Tape tape, Variable logits, int v)
    {
        int vp = logits.Data.Dim(-1);
        if (v == vp) return logits;
        if (v < 1 || v > vp) throw new ArgumentOutOfRangeException(nameof(v), $"vocabulary size {v} must be in 1..{vp}.");
        int n = logits.Data.Length / vp;
        var shape = logits.Data.ShapeArray;
        shape[^1] = v;
        var y = tape.NewTensor(shape);
        var src = logits.Data.Span; var dst = y.Span;
        for (int r = 0; r < n; r++) src.Slice(r * vp, v).CopyTo(dst.Slice(r * v, v));
        return tape.Record(y, res =>
        {
            var dy = res.Grad!.Span;
            var dx = logits.GradBuffer(tape, out bool acc).Span;
            for (int r = 0; r < n; r++)
            {
                var row = dx.Slice(r * vp, vp);
                if (acc) System.Numerics.Tensors.TensorPrimitives.Add(row[..v], dy.Slice(r * v, v), row[..v]);
                else { dy.Slice(r * v, v).CopyTo(row); row[v..].Clear(); }
            }
        }, logits);
    }
}
