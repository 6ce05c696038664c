namespace SharpLM.Training;

/// <summary>
/// FNV-1a, the order-sensitive 64-bit hash behind every data fingerprint: a resumed run
/// hashes its data again and refuses to continue on anything else. The same values on every
/// machine and run (unlike <see cref="string.GetHashCode()"/>).
/// </summary>
public struct Fingerprint
{
    private const ulong Offset = 14695981039346656037UL, Prime = 1099511628211UL;

    /// <summary>The hash so far (FNV-1a's offset basis before anything is added).</summary>
    public ulong Value { get; private set; }

    /// <summary>Starts an empty hash.</summary>
    public Fingerprint() => Value = Offset;

    /// <summary>Mixes in one value (a token id, a label, a separator).</summary>
    public void Add(ulong x) => Value = (Value ^ x) * Prime;

    /// <summary>Mixes in every id of <paramref name="ids"/>, in order.</summary>
    public void Add(ReadOnlySpan<int> ids)
    {
        ulong h = Value;
        foreach (int t in ids) h = (h ^ (uint)t) * Prime;
        Value = h;
    }
}
