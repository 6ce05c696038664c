namespace SharpLM.Tokenizers;

/// <summary>One BPE merge rule: the adjacent tokens (Left, Right) become Result; lower Rank merges first.</summary>
public readonly record struct BpeMerge(int Left, int Right, int Result, int Rank);

/// <summary>
/// The heart of byte-pair encoding: given the bytes of one pre-tokenized word, start from
/// single bytes and repeatedly merge the adjacent pair with the lowest rank until no pair
/// can merge. The pair table maps (left id, right id) to (rank, merged id).
/// </summary>
internal sealed class BpeMerges
{
    private const int NoRank = int.MaxValue;
    private readonly PairTable _pairs;
    private readonly int[] _byteToId;

    /// <summary>Builds the table from merge rules and the ids of the 256 single bytes.</summary>
    public BpeMerges(IEnumerable<BpeMerge> merges, int[] byteToId)
    {
        _byteToId = byteToId;
        var list = merges as IReadOnlyCollection<BpeMerge> ?? merges.ToList();
        _pairs = new PairTable(list.Count);
        // If two rules name the same pair, the lower rank (earlier rule) wins, as in the reference.
        foreach (var m in list) _pairs.Add(m.Left, m.Right, m.Rank, m.Result);
    }

    /// <summary>Number of distinct pairs that can merge.</summary>
    public int Count => _pairs.Count;

    /// <summary>All merge rules, ordered by rank (then left, right id).</summary>
    public List<BpeMerge> Ordered() => _pairs.All().OrderBy(m => m.Rank).ThenBy(m => m.Left).ThenBy(m => m.Right).ToList();

    /// <summary>All merge rules in storage order (cheap; for validation).</summary>
    public IEnumerable<BpeMerge> Unordered() => _pairs.All();

    /// <summary>Id of the token for one single byte.</summary>
    public int ByteId(byte b) => _byteToId[b];

    private int RankOf(int left, int right, out int result) => _pairs.RankOf(left, right, out result);

    /// <summary>Merges the bytes of one word and returns its token ids.</summary>
    public int[] Encode(ReadOnlySpan<byte> bytes)
    {
        int m = bytes.Length;
        if (m == 1) return [_byteToId[bytes[0]]];
        return m <= 128 ? EncodeShort(bytes) : EncodeLong(bytes);
    }

    // Short words: keep ids and the rank of each adjacent pair in arrays; find the minimum by a scan.
    internal int[] EncodeShort(ReadOnlySpan<byte> bytes)
    {
        int m = bytes.Length;
        Span<int> ids = stackalloc int[m];
        Span<int> ranks = stackalloc int[m];
        Span<int> results = stackalloc int[m];
        for (int i = 0; i < m; i++) ids[i] = _byteToId[bytes[i]];
        for (int i = 0; i < m - 1; i++) ranks[i] = RankOf(ids[i], ids[i + 1], out results[i]);
        while (m > 1)
        {
            int best = NoRank, at = -1;
            for (int i = 0; i < m - 1; i++)
                if (ranks[i] < best) { best = ranks[i]; at = i; } // strict < keeps the leftmost on ties
            if (at < 0) break;
            ids[at] = results[at];
            // Remove position at+1 from all three arrays.
            ids.Slice(at + 2, m - at - 2).CopyTo(ids.Slice(at + 1));
            ranks.Slice(at + 2, m - at - 2).CopyTo(ranks.Slice(at + 1));
            results.Slice(at + 2, m - at - 2).CopyTo(results.Slice(at + 1));
            m--;
            if (at > 0) ranks[at - 1] = RankOf(ids[at - 1], ids[at], out results[at - 1]);
            if (at < m - 1) ranks[at] = RankOf(ids[at], ids[at + 1], out results[at]);
        }
        return ids.Slice(0, m).ToArray();
    }

    // Long words (e.g. a megabyte without a space): a linked list plus a min-heap of candidate
    // pairs keyed by (rank, position), so each merge costs O(log n) instead of a rescan.
    internal int[] EncodeLong(ReadOnlySpan<byte> bytes)
    {
        int m = bytes.Length;
        var ids = new int[m];
        var prev = new int[m];
        var next = new int[m];
        for (int i = 0; i < m; i++) { ids[i] = _byteToId[bytes[i]]; prev[i] = i - 1; next[i] = i + 1; }
        next[m - 1] = -1;
        var heap = new PriorityQueue<(int Left, int LeftId, int RightId, int Result), long>();
        void Push(int left)
        {
            int right = next[left];
            if (left < 0 || right < 0) return;
            int rank = RankOf(ids[left], ids[right], out int result);
            if (rank != NoRank) heap.Enqueue((left, ids[left], ids[right], result), ((long)rank << 32) | (uint)left);
        }
        for (int i = 0; i < m - 1; i++) Push(i);
        while (heap.TryDequeue(out var e, out _))
        {
            int right = next[e.Left];
            // Stale entry: one side was merged away or changed since it was queued.
            if (ids[e.Left] != e.LeftId || right < 0 || ids[right] != e.RightId) continue;
            ids[e.Left] = e.Result;
            ids[right] = -1;
            next[e.Left] = next[right];
            if (next[right] >= 0) prev[next[right]] = e.Left;
            if (prev[e.Left] >= 0) Push(prev[e.Left]);
            Push(e.Left);
        }
        var output = new List<int>();
        for (int i = 0; i >= 0; i = next[i]) output.Add(ids[i]);
        return output.ToArray();
    }
}
