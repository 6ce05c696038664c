using System.Buffers.Binary;

namespace SharpLM.Tokenizers;

/// <summary>
/// SentencePiece's compiled normalization rules (<c>normalizer_spec.precompiled_charsmap</c>, what
/// <c>nmt_nfkc</c> and <c>nfkc</c> ship as): a 4-byte little-endian trie size, a darts-clone
/// double-array trie over UTF-8 input bytes, then a blob of NUL-terminated replacement strings.
/// Normalizing takes, at each position, the longest input prefix the trie knows and emits its replacement.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    /// <summary>Parses a compiled map; <paramref name="path"/> names the file in errors.</summary>
    public PrecompiledCharsMap(byte[] blob, string path)
    {
        Validate(blob, path);
        int trieBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(blob);
        _units = new uint[trieBytes / 4];
        for (int i = 0; i < _units.Length; i++) _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + 4 * i));
        _replacements = blob[(4 + trieBytes)..];
    }

    /// <summary>Checks the header of a compiled map and throws <see cref="TokenizerFormatException"/> when it cannot be one.</summary>
    public static void Validate(byte[] blob, string path)
    {
        const string where = "ModelProto.normalizer_spec.precompiled_charsmap";
        if (blob.Length < 4) throw new TokenizerFormatException(path, where, $"{blob.Length} bytes is too short for the trie size header");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes > (uint)(blob.Length - 4))
            throw new TokenizerFormatException(path, where, $"trie size {trieBytes} does not fit the {blob.Length - 4} bytes after the header (truncated or corrupt)");
    }

    /// <summary>
    /// Finds the longest prefix of <paramref name="input"/> that has a rule; returns its length in
    /// bytes (0 when none) and writes the replacement into <paramref name="replacement"/>.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        if (_units.Length == 0) return 0;
        int best = 0, bestValue = -1;
        uint pos = Offset(_units[0]);
        for (int i = 0; i < input.Length; i++)
        {
            byte key = input[i];
            pos ^= key;
            if (pos >= (uint)_units.Length) break;
            uint unit = _units[pos];
            // label: the byte that leads to this node (the top bit set marks a leaf unit, which never matches).
            if ((unit & 0x800000FFu) != key) break;
            pos ^= Offset(unit);
            if (((unit >> 8) & 1) != 0 && pos < (uint)_units.Length)
            {
                best = i + 1;
                bestValue = (int)(_units[pos] & 0x7FFFFFFFu);
            }
        }
        if (best == 0 || bestValue >= _replacements.Length) return 0;
        var rest = _replacements.AsSpan(bestValue);
        int end = rest.IndexOf((byte)0);
        replacement = end < 0 ? rest : rest[..end];
        return best;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
