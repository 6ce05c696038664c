using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Concatenates tensors along <paramref name="axis"/> (other dims equal), e.g. joining heads or
    /// q/k/v. Backward: each input receives its slice of dy.
    /// </summary>
    public static Variable Concat(this Tape tape, IReadOnlyList<Variable> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("Concat: no inputs given.", nameof(parts));
        int rank = parts[0].Data.Rank;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Concat: axis outside rank {rank}.");
        var shape = parts[0].Data.ShapeArray;
        shape[axis] = 0;
        foreach (var p in parts)
        {
            var expected = parts[0].Data.ShapeArray;
            expected[axis] = -1;
            p.Data.ExpectShape($"Concat input along axis {axis}", expected);
            shape[axis] += p.Data.Dim(axis);
        }
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        var y = tape.NewTensor(shape);
        int rowOut = outer == 0 ? 0 : y.Length / outer;
        var offsets = new int[parts.Count];
        for (int k = 0, col = 0; k < parts.Count; k++)
        {
            offsets[k] = col;
            int rowIn = outer == 0 ? 0 : parts[k].Data.Length / outer;
            for (int o = 0; o < outer; o++)
                parts[k].Data.Span.Slice(o * rowIn, rowIn).CopyTo(y.Span.Slice(o * rowOut + col, rowIn));
            col += rowIn;
        }
        var inputs = parts.ToArray();
        return tape.Record(y, r =>
        {
            for (int k = 0; k < inputs.Length; k++)
            {
                if (!inputs[k].RequiresGrad) continue;
                var dx = inputs[k].GradBuffer(tape, out bool acc).Span;
                int rowIn = outer == 0 ? 0 : dx.Length / outer;
                for (int o = 0; o < outer; o++)
                {
                    var from = r.Grad!.Span.Slice(o * rowOut + offsets[k], rowIn);
                    var to = dx.Slice(o * rowIn, rowIn);
                    if (acc) TensorPrimitives.Add(to, from, to); else from.CopyTo(to);
                }
            }
        }, inputs);
    }

    /// <summary>
    /// Splits along <paramref name="axis"/> into pieces of the given sizes (copies), e.g. GPT-2's
    /// fused qkv <c>[B,T,3C]</c> into three <c>[B,T,C]</c>. Backward: each piece's dy goes back to its slice of dx.
    /// </summary>
    public static Variable[] Split(this Tape tape, Variable x, int axis, params int[] sizes)
    {
        int rank = x.Data.Rank;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Split: axis outside rank {rank}.");
        if (sizes.Any(s => s < 0) || sizes.Sum() != x.Data.Dim(axis))
            throw new ArgumentException($"Split: sizes ({string.Join(",", sizes)}) do not add up to dim {axis} of {x.Data}.", nameof(sizes));
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.Data.Dim(i);
        int rowIn = outer == 0 ? 0 : x.Data.Length / outer;
        var result = new Variable[sizes.Length];
        for (int k = 0, col = 0; k < sizes.Length; k++)
        {
            var shape = x.Data.ShapeArray;
            shape[axis] = sizes[k];
            var y = tape.NewTensor(shape);
            int rowOut = outer == 0 ? 0 : y.Length / outer, offset = col;
            for (int o = 0; o < outer; o++)
                x.Data.Span.Slice(o * rowIn + offset, rowOut).CopyTo(y.Span.Slice(o * rowOut, rowOut));
            result[k] = tape.Record(y, r =>
            {
                var dx = x.GradOrZeros(tape).Span;
                for (int o = 0; o < outer; o++)
                {
                    var to = dx.Slice(o * rowIn + offset, rowOut);
                    TensorPrimitives.Add(to, r.Grad!.Span.Slice(o * rowOut, rowOut), to);
                }
            }, x);
            col += rowOut;
        }
        return result;
    }
}
