using SharpLM.Models;

namespace SharpLM.Training;

/// <summary>One text-to-text training example as token ids: the encoder's source and the decoder's target (ending with EOS).</summary>
public sealed record Seq2SeqExample(int[] Source, int[] Target)
{
    /// <summary>
    /// Pads a list of examples into one teacher-forced batch: sources truncated to
    /// <paramref name="maxSource"/> (padded with the pad id), targets truncated to
    /// <paramref name="maxTarget"/> (padded with −1, ignored by the loss), the decoder input
    /// the target shifted right after the decoder start token. The batch is as long as its longest row.
    /// </summary>
    public static EncoderDecoderBatch Batch(IReadOnlyList<Seq2SeqExample> examples, EncoderDecoderConfig config, int maxSource, int maxTarget)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) throw new ArgumentException("a batch needs at least one example.", nameof(examples));
        int b = examples.Count;
        int s = Math.Max(1, Math.Min(maxSource, examples.Max(e => e.Source.Length)));
        int t = Math.Max(1, Math.Min(maxTarget, examples.Max(e => e.Target.Length)));
        var source = new int[b * s];
        var lengths = new int[b];
        var targets = new int[b * t];
        var input = new int[b * t];
        Array.Fill(source, config.PadTokenId);
        Array.Fill(targets, -1);
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            int ls = Math.Min(s, e.Source.Length), lt = Math.Min(t, e.Target.Length);
            e.Source.AsSpan(0, ls).CopyTo(source.AsSpan(i * s));
            lengths[i] = Math.Max(1, ls);
            e.Target.AsSpan(0, lt).CopyTo(targets.AsSpan(i * t));
            EncoderDecoderBatch.ShiftRight(targets.AsSpan(i * t, t), config.DecoderStartTokenId, config.PadTokenId).CopyTo(input, i * t);
        }
        return new EncoderDecoderBatch(source, lengths, input, targets, b, s, t).Validate();
    }

    /// <summary>FNV-1a over every example's source and target ids (order-sensitive): the data fingerprint a resumed run checks.</summary>
    public static (long Count, ulong Hash) Fingerprint(IEnumerable<Seq2SeqExample> examples)
    {
        var h = new Fingerprint();
        long count = 0;
        foreach (var e in examples)
            foreach (var part in new[] { e.Source, e.Target })
            {
                h.Add(part);
                h.Add(0xFFFF_FFFFUL);          // separator, so [1][2] differs from [1,2][]
                count += part.Length;
            }
        return (count, h.Value);
    }
}
