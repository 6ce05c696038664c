namespace SharpLM.Tokenizers;

/// <summary>
/// A fast hash table from a token pair (left id, right id) to (merge rank, merged id): open
/// addressing with linear probing over one flat array, so a lookup is a multiply, a shift and
/// usually a single cache line. BPE encoding does one lookup per adjacent pair, so this is its hot path.
/// </summary>
internal sealed class PairTable
{
    private const ulong Empty = ulong.MaxValue;
    private readonly Entry[] _entries;
    private readonly int _shift;
    private readonly int _mask;

    private struct Entry
    {
        public ulong Key;
        public int Rank;
        public int Result;
    }

    /// <summary>Builds a table sized for <paramref name="count"/> pairs (at most half full).</summary>
    public PairTable(int count)
    {
        int bits = 4;
        while ((1 << bits) < count * 2) bits++;
        _entries = new Entry[1 << bits];
        _mask = (1 << bits) - 1;
        _shift = 64 - bits;
        for (int i = 0; i < _entries.Length; i++) _entries[i].Key = Empty;
    }

    /// <summary>Number of pairs stored.</summary>
    public int Count { get; private set; }

    /// <summary>Packs a pair into the table's key.</summary>
    public static ulong Key(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;

    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>Adds a pair, or keeps the lower rank if it is already there.</summary>
    public void Add(int left, int right, int rank, int result)
    {
        ulong key = Key(left, right);
        for (int i = Slot(key); ; i = (i + 1) & _mask)
        {
            ref var e = ref _entries[i];
            if (e.Key == Empty)
            {
                if (Count * 2 >= _entries.Length) throw new InvalidOperationException("pair table is full");
                e.Key = key; e.Rank = rank; e.Result = result; Count++;
                return;
            }
            if (e.Key == key)
            {
                if (rank < e.Rank) { e.Rank = rank; e.Result = result; }
                return;
            }
        }
    }

    /// <summary>The rank of merging (left, right), or int.MaxValue if the pair never merges.</summary>
    public int RankOf(int left, int right, out int result)
    {
        ulong key = Key(left, right);
        var entries = _entries;
        for (int i = Slot(key); ; i = (i + 1) & _mask)
        {
            ref var e = ref entries[i];
            if (e.Key == key) { result = e.Result; return e.Rank; }
            if (e.Key == Empty) { result = -1; return int.MaxValue; }
        }
    }

    /// <summary>Every stored pair as a merge rule.</summary>
    public IEnumerable<BpeMerge> All()
    {
        foreach (var e in _entries)
            if (e.Key != Empty) yield return new BpeMerge((int)(e.Key >> 32), (int)(uint)e.Key, e.Result, e.Rank);
    }
}
