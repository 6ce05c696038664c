using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>Shows a byte-level token's bytes as text; bytes that are only part of a character appear as &lt;0xNN&gt;.</summary>
internal static class TokenPieceFormatter
{
    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>The bytes as UTF-8 text when valid, else valid stretches as text and stray bytes as &lt;0xNN&gt;.</summary>
    public static string Format(byte[] bytes)
    {
        try { return Strict.GetString(bytes); }
        catch (DecoderFallbackException) { }
        var sb = new StringBuilder();
        int i = 0;
        while (i < bytes.Length)
        {
            int len = SequenceLength(bytes, i);
            if (len > 0) { sb.Append(Encoding.UTF8.GetString(bytes, i, len)); i += len; }
            else { sb.Append($"<0x{bytes[i]:X2}>"); i++; }
        }
        return sb.ToString();
    }

    // Length of a complete, valid UTF-8 sequence at i, or 0.
    private static int SequenceLength(byte[] b, int i)
    {
        for (int len = 1; len <= 4 && i + len <= b.Length; len++)
        {
            try { Strict.GetString(b, i, len); return len; }
            catch (DecoderFallbackException) { }
        }
        return 0;
    }
}
