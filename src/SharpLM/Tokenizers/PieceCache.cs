using System.Runtime.InteropServices;

namespace SharpLM.Tokenizers;

/// <summary>
/// Remembers the token ids of words already encoded (most words in a text repeat, so BPE merging
/// runs once per distinct word). Open addressing over flat arrays: looking up a word allocates
/// nothing and compares its characters directly. Each thread has its own cache.
/// </summary>
internal sealed class PieceCache
{
    private const int MaxEntries = 1 << 18;
    private int[] _slots = new int[1 << 12];      // entry index + 1; 0 = empty
    private Entry[] _entries = new Entry[1 << 11];
    private char[] _chars = new char[1 << 14];
    private int[] _ids = new int[1 << 13];
    private int _count, _charCount, _idCount;

    private struct Entry
    {
        public int Hash, CharStart, CharLength, IdStart, IdLength;
    }

    /// <summary>Forgets every word.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _count = _charCount = _idCount = 0;
    }

    private static int Hash(ReadOnlySpan<char> piece)
    {
        uint h = 2166136261u ^ (uint)piece.Length;
        foreach (char c in piece) h = (h ^ c) * 16777619u;
        return (int)(h ^ (h >> 15));
    }

    /// <summary>The ids of <paramref name="piece"/> if it was seen before.</summary>
    public bool TryGet(ReadOnlySpan<char> piece, out ReadOnlySpan<int> ids)
    {
        int hash = Hash(piece);
        int mask = _slots.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            int slot = _slots[i];
            if (slot == 0) { ids = default; return false; }
            ref var e = ref _entries[slot - 1];
            if (e.Hash == hash && e.CharLength == piece.Length && piece.SequenceEqual(_chars.AsSpan(e.CharStart, e.CharLength)))
            {
                ids = _ids.AsSpan(e.IdStart, e.IdLength);
                return true;
            }
        }
    }

    /// <summary>Remembers the ids of a new piece (the cache starts over when it gets large).</summary>
    public void Add(ReadOnlySpan<char> piece, ReadOnlySpan<int> ids)
    {
        if (_count >= MaxEntries) Clear();
        if ((_count + 1) * 2 > _slots.Length) Grow();
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        EnsureCapacity(ref _chars, _charCount + piece.Length);
        EnsureCapacity(ref _ids, _idCount + ids.Length);
        int hash = Hash(piece);
        _entries[_count] = new Entry { Hash = hash, CharStart = _charCount, CharLength = piece.Length, IdStart = _idCount, IdLength = ids.Length };
        piece.CopyTo(_chars.AsSpan(_charCount));
        ids.CopyTo(_ids.AsSpan(_idCount));
        _charCount += piece.Length;
        _idCount += ids.Length;
        Insert(hash, ++_count);
    }

    private void Insert(int hash, int slotValue)
    {
        int mask = _slots.Length - 1;
        int i = hash & mask;
        while (_slots[i] != 0) i = (i + 1) & mask;
        _slots[i] = slotValue;
    }

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        for (int k = 0; k < _count; k++) Insert(_entries[k].Hash, k + 1);
    }

    private static void EnsureCapacity<T>(ref T[] array, int needed)
    {
        if (needed > array.Length) Array.Resize(ref array, Math.Max(needed, array.Length * 2));
    }
}

/// <summary>A growable list of token ids with a cheap bulk append (the encoder's output).</summary>
internal sealed class IdBuffer
{
    private int[] _items;

    /// <summary>Creates a buffer with room for <paramref name="capacity"/> ids.</summary>
    public IdBuffer(int capacity) => _items = new int[Math.Max(16, capacity)];

    /// <summary>Number of ids written.</summary>
    public int Count { get; private set; }

    /// <summary>Appends one id.</summary>
    public void Add(int id)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = id;
    }

    /// <summary>Appends several ids.</summary>
    public void Add(ReadOnlySpan<int> ids)
    {
        if (Count + ids.Length > _items.Length) Array.Resize(ref _items, Math.Max(Count + ids.Length, _items.Length * 2));
        if (ids.Length == 1) _items[Count] = ids[0];
        else ids.CopyTo(_items.AsSpan(Count));
        Count += ids.Length;
    }

    /// <summary>The ids as an exact-length array.</summary>
    public int[] ToArray() => _items.AsSpan(0, Count).ToArray();

    /// <summary>The ids written so far.</summary>
    public ReadOnlySpan<int> AsSpan() => MemoryMarshal.CreateReadOnlySpan(ref _items[0], Count);
}
