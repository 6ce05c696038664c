namespace SharpLM.Tokenizers;

/// <summary>
/// The learning loop shared by BPE and WordPiece training: count every adjacent symbol pair over
/// the unique words (weighted by how often each word occurs), merge the most frequent pair into a
/// new symbol, and repeat. Pair counts are updated incrementally, only for the words that contain
/// the merged pair, and a priority queue finds the next best pair (no full recount per merge).
/// </summary>
internal sealed class PairMergeTrainer
{
    private readonly int[][] _words;
    private readonly int[] _lengths;
    private readonly long[] _counts;
    private readonly Dictionary<ulong, long> _pairCounts = new(PairKeyComparer.Instance);
    private readonly Dictionary<ulong, List<int>> _wordsWithPair = new(PairKeyComparer.Instance);
    // Highest count first; among equal counts the smaller (left, right) pair first, so training is deterministic.
    private readonly PriorityQueue<ulong, (long Count, ulong Pair)> _queue =
        new(Comparer<(long Count, ulong Pair)>.Create((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Pair.CompareTo(b.Pair)));

    /// <summary>Starts from unique words as symbol-id sequences and their corpus frequencies.</summary>
    public PairMergeTrainer(IReadOnlyList<int[]> words, IReadOnlyList<long> counts)
    {
        _words = words.Select(w => (int[])w.Clone()).ToArray();
        _lengths = _words.Select(w => w.Length).ToArray();
        _counts = counts.ToArray();
        for (int w = 0; w < _words.Length; w++)
        {
            var word = _words[w];
            for (int i = 0; i + 1 < word.Length; i++)
            {
                ulong pair = Key(word[i], word[i + 1]);
                _pairCounts[pair] = _pairCounts.GetValueOrDefault(pair) + _counts[w];
                AddWhere(pair, w);
            }
        }
        foreach (var (pair, count) in _pairCounts) _queue.Enqueue(pair, (count, pair));
    }

    private static ulong Key(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;

    private void AddWhere(ulong pair, int word)
    {
        if (!_wordsWithPair.TryGetValue(pair, out var list)) _wordsWithPair[pair] = list = new List<int>();
        if (list.Count == 0 || list[^1] != word) list.Add(word);
    }

    /// <summary>
    /// Runs merges until <paramref name="newSymbols"/> new symbols exist or no pair occurs at least
    /// <paramref name="minFrequency"/> times. <paramref name="symbolFor"/> names the symbol a pair
    /// becomes (an existing id when the merged string already exists) and says whether it is new;
    /// <paramref name="allowed"/>, when given, vetoes pairs that may not become a symbol (e.g. too long).
    /// </summary>
    public List<(int Left, int Right, int Result)> Train(int newSymbols, long minFrequency, Func<int, int, (int Id, bool IsNew)> symbolFor,
        Func<int, int, bool>? allowed = null)
    {
        var merges = new List<(int, int, int)>();
        int created = 0;
        var delta = new Dictionary<ulong, long>(PairKeyComparer.Instance);
        var seen = new HashSet<int>();
        while (created < newSymbols && _queue.TryDequeue(out ulong pair, out var priority))
        {
            long current = _pairCounts.GetValueOrDefault(pair);
            if (current != priority.Count)
            {
                // A stale entry. If the count dropped since it was queued, requeue the true count;
                // if it rose, a fresher entry is already queued.
                if (current > 0 && current < priority.Count) _queue.Enqueue(pair, (current, pair));
                continue;
            }
            if (current < Math.Max(1, minFrequency)) break;
            int left = (int)(pair >> 32), right = (int)(uint)pair;
            if (allowed is not null && !allowed(left, right)) continue;
            var (result, isNew) = symbolFor(left, right);
            if (isNew) created++;
            merges.Add((left, right, result));
            delta.Clear();
            seen.Clear();
            foreach (int w in _wordsWithPair[pair])
                if (seen.Add(w)) MergeInWord(w, left, right, result, delta);
            _wordsWithPair.Remove(pair);
            foreach (var (p, d) in delta)
            {
                if (d == 0) continue;
                long updated = _pairCounts.GetValueOrDefault(p) + d;
                if (updated <= 0) _pairCounts.Remove(p);
                else _pairCounts[p] = updated;
                if (d > 0) _queue.Enqueue(p, (updated, p));
            }
        }
        return merges;
    }

    // Replaces every non-overlapping (left, right) in one word, left to right, and records how
    // the counts of the pairs around each replacement change.
    private void MergeInWord(int w, int left, int right, int result, Dictionary<ulong, long> delta)
    {
        var word = _words[w];
        int n = _lengths[w];
        long c = _counts[w];
        bool any = false;
        for (int i = 0; i + 1 < n; i++)
            if (word[i] == left && word[i + 1] == right) { any = true; break; }
        if (!any) return;
        for (int i = 0; i + 1 < n; i++) Add(delta, Key(word[i], word[i + 1]), -c);
        int o = 0;
        for (int i = 0; i < n; i++)
        {
            if (i + 1 < n && word[i] == left && word[i + 1] == right) { word[o++] = result; i++; }
            else word[o++] = word[i];
        }
        _lengths[w] = n = o;
        for (int i = 0; i + 1 < n; i++)
        {
            ulong p = Key(word[i], word[i + 1]);
            Add(delta, p, c);
            AddWhere(p, w);
        }
    }

    private static void Add(Dictionary<ulong, long> delta, ulong key, long value) =>
        delta[key] = delta.GetValueOrDefault(key) + value;
}
