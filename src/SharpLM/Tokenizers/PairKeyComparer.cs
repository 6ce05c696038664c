namespace SharpLM.Tokenizers;

/// <summary>
/// Hashes a (left id, right id) pair packed in a ulong. The default ulong hash XORs the halves,
/// which makes many token pairs collide; this one mixes all 64 bits (a Fibonacci/multiplicative hash).
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<ulong>
{
    /// <summary>The shared instance.</summary>
    public static readonly PairKeyComparer Instance = new();

    /// <inheritdoc />
    public bool Equals(ulong x, ulong y) => x == y;

    /// <inheritdoc />
    public int GetHashCode(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32);
}
