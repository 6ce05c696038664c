using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// SentencePiece text normalization, done as the library does it on UTF-8 bytes: user-defined
/// symbols pass through untouched, the compiled character map (if any) rewrites the longest
/// matching prefix, whitespace runs are collapsed and trimmed (<c>remove_extra_whitespaces</c>),
/// spaces become ▁ (<c>escape_whitespaces</c>) and a ▁ is put before the text (<c>add_dummy_prefix</c>).
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private static readonly byte[] SpaceSymbol = [0xE2, 0x96, 0x81];
    private readonly SentencePieceNormalizerSpec _spec;
    private readonly PrecompiledCharsMap? _map;
    // User-defined symbols by first byte, longest first (models such as Gemma have thousands).
    private readonly Dictionary<byte, byte[][]> _userSymbols;

    /// <summary>Creates the normalizer for <paramref name="spec"/>; <paramref name="userDefined"/> are kept whole.</summary>
    public SentencePieceNormalizer(SentencePieceNormalizerSpec spec, IEnumerable<string> userDefined, string path)
    {
        _spec = spec;
        _map = spec.PrecompiledCharsMap.Length > 0 ? new PrecompiledCharsMap(spec.PrecompiledCharsMap, path) : null;
        _userSymbols = userDefined.Where(s => s.Length > 0).Select(Encoding.UTF8.GetBytes)
            .GroupBy(b => b[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(b => b.Length).ToArray());
    }

    /// <summary>The normalized text (what the segmenter sees), as UTF-8 bytes.</summary>
    public byte[] Normalize(string text)
    {
        var input = Encoding.UTF8.GetBytes(text).AsSpan();
        var output = new List<byte>(input.Length + 8);
        if (_spec.RemoveExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                int used = NextPrefix(input, out var piece);
                if (!(piece.Length == 1 && piece[0] == (byte)' ')) break;
                input = input[used..];
            }
        }
        if (input.IsEmpty) return [];
        if (!_spec.TreatWhitespaceAsSuffix && _spec.AddDummyPrefix) AddSpace(output);
        bool previousSpace = _spec.RemoveExtraWhitespaces;
        while (!input.IsEmpty)
        {
            int used = NextPrefix(input, out var piece);
            if (previousSpace)
                while (!piece.IsEmpty && piece[0] == (byte)' ') piece = piece[1..];
            if (!piece.IsEmpty)
            {
                foreach (byte b in piece)
                {
                    if (_spec.EscapeWhitespaces && b == (byte)' ') output.AddRange(SpaceSymbol);
                    else output.Add(b);
                }
                previousSpace = piece[^1] == (byte)' ';
            }
            input = input[used..];
            if (!_spec.RemoveExtraWhitespaces) previousSpace = false;
        }
        if (_spec.RemoveExtraWhitespaces)
        {
            ReadOnlySpan<byte> space = _spec.EscapeWhitespaces ? SpaceSymbol : " "u8;
            while (output.Count >= space.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output)[^space.Length..].SequenceEqual(space))
                output.RemoveRange(output.Count - space.Length, space.Length);
        }
        if (_spec.TreatWhitespaceAsSuffix && _spec.AddDummyPrefix) AddSpace(output);
        return [.. output];
    }

    private void AddSpace(List<byte> output)
    {
        if (_spec.EscapeWhitespaces) output.AddRange(SpaceSymbol); else output.Add((byte)' ');
    }

    // One step of normalization: how many input bytes are consumed and what they become.
    private int NextPrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> piece)
    {
        if (_userSymbols.TryGetValue(input[0], out var candidates))
            foreach (var symbol in candidates)
                if (input.StartsWith(symbol)) { piece = symbol; return symbol.Length; }
        if (_map is not null)
        {
            int matched = _map.LongestMatch(input, out piece);
            if (matched > 0) return matched;
        }
        int length = Utf8Length(input);
        piece = input[..length];
        return length;
    }

    /// <summary>Bytes of the UTF-8 character at the start of <paramref name="s"/> (1 for a stray byte).</summary>
    internal static int Utf8Length(ReadOnlySpan<byte> s)
    {
        byte b = s[0];
        int n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return Math.Min(n, s.Length);
    }
}
