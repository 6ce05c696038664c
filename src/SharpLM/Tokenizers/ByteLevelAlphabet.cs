namespace SharpLM.Tokenizers;

/// <summary>
/// GPT-2's byte↔unicode map: every byte 0..255 gets a printable character so that byte-level
/// tokens can be stored as ordinary strings in vocab.json / merges.txt / tokenizer.json.
/// Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100 and up (space → 'Ġ').
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildTable();
    private static readonly Dictionary<char, byte> CharToByteTable = BuildReverse();

    /// <summary>The 256 bytes in GPT-2's id order: printable bytes first, then the rest (GPT-2 ids 0..255).</summary>
    public static IReadOnlyList<byte> Gpt2ByteOrder { get; } = BuildOrder();

    /// <summary>The printable stand-in character for one byte.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>Maps raw token bytes to the printable string used in vocabulary files.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToCharTable[bytes[i]];
        return new string(chars);
    }

    /// <summary>Maps a vocabulary-file string back to raw bytes; false if it has a character outside the 256 stand-ins.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!CharToByteTable.TryGetValue(text[i], out var b)) return false;
            bytes[i] = b;
        }
        return true;
    }

    private static bool IsPrintable(int b) => (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
            table[b] = IsPrintable(b) ? (char)b : (char)(256 + next++);
        return table;
    }

    private static Dictionary<char, byte> BuildReverse()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) map[ByteToCharTable[b]] = (byte)b;
        return map;
    }

    private static byte[] BuildOrder()
    {
        var order = new List<byte>(256);
        for (int b = 0; b < 256; b++) if (IsPrintable(b)) order.Add((byte)b);
        for (int b = 0; b < 256; b++) if (!IsPrintable(b)) order.Add((byte)b);
        return order.ToArray();
    }
}
