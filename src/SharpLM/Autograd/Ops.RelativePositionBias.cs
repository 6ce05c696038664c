namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// T5's relative position bias: a learned table <c>[buckets, H]</c> (one scalar per head for each
    /// distance bucket) looked up by the bucket of every (query, key) pair, giving the additive
    /// attention-score bias <c>[H,Tq,Tk]</c>: <c>bias[h,i,j] = table[bucket[i·Tk+j], h]</c>.
    /// <paramref name="buckets"/> is <c>[Tq,Tk]</c> row-major. Backward scatters <c>dbias</c> back
    /// into the rows of the table (each table entry collects every pair at that distance).
    /// </summary>
    public static Variable RelativePositionBias(this Tape tape, Variable table, int[] buckets, int tq, int tk)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (table.Data.Rank != 2) throw new ArgumentException($"RelativePositionBias: table must be [buckets,H], got {table.Data}.", nameof(table));
        int count = table.Data.Dim(0), h = table.Data.Dim(1);
        if (buckets.Length != tq * tk)
            throw new ArgumentException($"RelativePositionBias: {buckets.Length} buckets given for Tq={tq} × Tk={tk}.", nameof(buckets));
        foreach (int bucket in buckets)
            if ((uint)bucket >= (uint)count)
                throw new ArgumentOutOfRangeException(nameof(buckets), $"RelativePositionBias: bucket {bucket} outside the table's 0..{count - 1}.");
        var y = tape.NewTensor([h, tq, tk]);
        var t = table.Data.Span;
        var ys = y.Span;
        int pairs = tq * tk;
        for (int p = 0; p < pairs; p++)
        {
            int row = buckets[p] * h;
            for (int head = 0; head < h; head++) ys[head * pairs + p] = t[row + head];
        }
        return tape.Record(y, r =>
        {
            var dt = table.GradOrZeros(tape).Span;
            var dy = r.Grad!.Span;
            for (int p = 0; p < pairs; p++)
            {
                int row = buckets[p] * h;
                for (int head = 0; head < h; head++) dt[row + head] += dy[head * pairs + p];
            }
        }, table);
    }
}
