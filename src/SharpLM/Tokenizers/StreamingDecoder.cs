using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// Turns token ids into text one id at a time, as a generator produces them. A byte-level
/// token can end in the middle of a multi-byte UTF-8 character; those bytes are held back
/// until the character's last byte arrives, so the printed text never shows a broken character.
/// </summary>
public abstract class StreamingDecoder
{
    /// <summary>Adds one token id and returns the text that is now complete (possibly empty).</summary>
    public abstract string Push(int id);

    /// <summary>Ends the stream: returns whatever is still held back (an incomplete character becomes U+FFFD).</summary>
    public abstract string Flush();
}

/// <summary>Streaming decoder for tokenizers whose tokens are byte strings (byte-level BPE).</summary>
internal sealed class Utf8StreamingDecoder : StreamingDecoder
{
    private readonly Func<int, byte[]> _tokenBytes;
    // A stateful UTF-8 decoder keeps the bytes of an unfinished character between calls.
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];

    /// <summary>Creates a decoder that looks up each id's bytes with <paramref name="tokenBytes"/>.</summary>
    public Utf8StreamingDecoder(Func<int, byte[]> tokenBytes) => _tokenBytes = tokenBytes;

    /// <inheritdoc />
    public override string Push(int id) => Convert(_tokenBytes(id), flush: false);

    /// <inheritdoc />
    public override string Flush() => Convert([], flush: true);

    private string Convert(byte[] bytes, bool flush)
    {
        int needed = _utf8.GetCharCount(bytes, 0, bytes.Length, flush: false) + 4;
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int n = _utf8.GetChars(bytes, 0, bytes.Length, _chars, 0, flush);
        return new string(_chars, 0, n);
    }
}

/// <summary>Streaming decoder for tokenizers whose tokens are whole strings (characters, WordPiece).</summary>
internal sealed class PieceStreamingDecoder : StreamingDecoder
{
    private readonly Func<int, bool, string> _piece;
    private bool _first = true;

    /// <summary>Creates a decoder; <paramref name="piece"/> maps (id, isFirstToken) to the text to print.</summary>
    public PieceStreamingDecoder(Func<int, bool, string> piece) => _piece = piece;

    /// <inheritdoc />
    public override string Push(int id)
    {
        var text = _piece(id, _first);
        _first = false;
        return text;
    }

    /// <inheritdoc />
    public override string Flush() => "";
}
