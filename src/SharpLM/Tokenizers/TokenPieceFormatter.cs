using System.Buffers;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>Shows a byte-level token's bytes as text; bytes that are only part of a character appear as &lt;0xNN&gt;.</summary>
internal static class TokenPieceFormatter
{
    /// <summary>Complete UTF-8 characters as text, stray or partial bytes as &lt;0xNN&gt;.</summary>
    public static string Format(byte[] bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var sb = new StringBuilder();
        var rest = bytes.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out int used) == OperationStatus.Done) sb.Append(rune.ToString());
            else for (int i = 0; i < used; i++) sb.Append($"<0x{rest[i]:X2}>");
            rest = rest[Math.Max(1, used)..];
        }
        return sb.ToString();
    }
}
