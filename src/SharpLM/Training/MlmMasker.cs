using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// BERT's masked-language-model corruption: of the non-special tokens of a sequence, 15% (rounded,
/// at least one) are chosen; of those, 80% become [MASK], 10% a random token and 10% stay as they
/// are. The model must recover the original at every chosen position, and only there (the target
/// is −1 elsewhere, which the loss ignores). With whole-word masking, a word's WordPiece
/// continuations (<c>##…</c>) are chosen together with its first piece.
/// </summary>
public sealed class MlmMasker
{
    private readonly bool[] _special;
    private readonly bool[] _continuation;
    private readonly int[] _replacements;

    /// <summary>Creates a masker over a vocabulary of <paramref name="vocabSize"/> ids.</summary>
    /// <param name="vocabSize">Vocabulary size V.</param>
    /// <param name="maskId">Id of the [MASK] token.</param>
    /// <param name="specialIds">Ids never chosen nor used as a random replacement ([CLS], [SEP], [PAD], [MASK], [UNK]…).</param>
    /// <param name="probability">Fraction of eligible tokens chosen (0.15).</param>
    /// <param name="continuationIds">For whole-word masking: ids of pieces that continue a word (<c>##…</c>); null masks pieces independently.</param>
    public MlmMasker(int vocabSize, int maskId, IEnumerable<int> specialIds, float probability = 0.15f, IEnumerable<int>? continuationIds = null)
    {
        if (vocabSize < 2) throw new ArgumentOutOfRangeException(nameof(vocabSize), $"MLM masking needs a vocabulary of at least 2 tokens, got {vocabSize}.");
        if ((uint)maskId >= (uint)vocabSize) throw new ArgumentOutOfRangeException(nameof(maskId), $"[MASK] id {maskId} is outside the vocabulary 0..{vocabSize - 1}.");
        if (!(probability > 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), $"masking probability must be in (0, 1), got {probability}.");
        MaskId = maskId;
        Probability = probability;
        _special = new bool[vocabSize];
        _special[maskId] = true;
        foreach (int id in specialIds)
        {
            if ((uint)id >= (uint)vocabSize) throw new ArgumentOutOfRangeException(nameof(specialIds), $"special id {id} is outside the vocabulary 0..{vocabSize - 1}.");
            _special[id] = true;
        }
        _continuation = new bool[vocabSize];
        if (continuationIds is not null)
        {
            WholeWord = true;
            foreach (int id in continuationIds) _continuation[id] = true;
        }
        _replacements = Enumerable.Range(0, vocabSize).Where(i => !_special[i]).ToArray();
        if (_replacements.Length == 0) throw new ArgumentException("every vocabulary entry is special; nothing can be masked.", nameof(specialIds));
    }

    /// <summary>Id of [MASK].</summary>
    public int MaskId { get; }

    /// <summary>Fraction of eligible tokens chosen.</summary>
    public float Probability { get; }

    /// <summary>Whether whole words are chosen together.</summary>
    public bool WholeWord { get; }

    /// <summary>Whether <paramref name="id"/> is never masked.</summary>
    public bool IsSpecial(int id) => _special[id];

    /// <summary>
    /// Corrupts <paramref name="ids"/> in place and writes <paramref name="targets"/> (same length):
    /// the original id at each chosen position, −1 elsewhere. Returns how many were chosen.
    /// </summary>
    public int Mask(Span<int> ids, Span<int> targets, Rng rng)
    {
        if (targets.Length != ids.Length) throw new ArgumentException($"MLM masking: {targets.Length} targets for {ids.Length} ids.", nameof(targets));
        targets.Fill(-1);
        // Units that can be chosen: single pieces, or whole words (first piece + its ## continuations).
        var units = new List<(int Start, int Length)>();
        int eligible = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (_special[ids[i]]) continue;
            eligible++;
            bool continues = WholeWord && _continuation[ids[i]] && units.Count > 0 && units[^1].Start + units[^1].Length == i;
            if (continues) units[^1] = (units[^1].Start, units[^1].Length + 1);
            else units.Add((i, 1));
        }
        if (eligible == 0) return 0;
        int wanted = Math.Max(1, (int)Math.Round(eligible * Probability));
        // Fisher–Yates over the units, then take them in that order until enough tokens are chosen.
        for (int i = units.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (units[i], units[j]) = (units[j], units[i]);
        }
        int chosen = 0;
        foreach (var (start, length) in units)
        {
            if (chosen >= wanted) break;
            if (chosen + length > wanted && chosen > 0) continue; // a whole word that would overshoot: try a shorter one
            for (int p = start; p < start + length; p++)
            {
                targets[p] = ids[p];
                double r = rng.NextDouble();
                if (r < 0.8) ids[p] = MaskId;
                else if (r < 0.9) ids[p] = _replacements[rng.NextInt(_replacements.Length)];
                chosen++;
            }
        }
        return chosen;
    }
}
