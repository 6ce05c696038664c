using System.Buffers.Binary;
using System.Text;

namespace SharpLM.Formats;

/// <summary>One message of a gettext catalog: optional context, the English id (and plural id), and the translated forms.</summary>
public sealed record GettextMessage(string? Context, string Id, string? IdPlural, IReadOnlyList<string> Translations);

/// <summary>
/// Reads GNU gettext's compiled message catalogs (<c>.mo</c>), the human translations Linux programs
/// install under <c>/usr/share/locale/LANG/LC_MESSAGES</c>. Layout (from the gettext manual): a
/// magic number <c>0x950412de</c> whose byte order gives the file's, a revision, the message count
/// N, and the offsets of two tables of N (length, offset) pairs — original strings and
/// translations. An original is <c>msgctxt EOT msgid</c> when it has a context and
/// <c>msgid NUL msgid_plural</c> for plural entries, whose translation holds the plural forms
/// separated by NUL. The entry with an empty id is the catalog's header (metadata), skipped here.
/// </summary>
public static class GettextMo
{
    /// <summary>The magic number, as read in the file's own byte order.</summary>
    public const uint Magic = 0x950412de;

    /// <summary>Reads every message of the catalog at <paramref name="path"/>.</summary>
    public static IReadOnlyList<GettextMessage> Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Reads every message of a catalog held in <paramref name="data"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<GettextMessage> Read(ReadOnlySpan<byte> data, string name = "catalog")
    {
        if (data.Length < 20) throw new InvalidDataException($"{name}: {data.Length} bytes is too short for a .mo header (20 bytes).");
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(data);
        bool littleEndian = magicLe == Magic;
        if (!littleEndian && BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
            throw new InvalidDataException($"{name}: bad magic number 0x{magicLe:x8}; a gettext .mo file starts with 0x950412de (either byte order).");
        uint U32(ReadOnlySpan<byte> d, long at)
        {
            if (at < 0 || at + 4 > d.Length) throw new InvalidDataException($"{name}: offset {at} is past the end of the file ({d.Length} bytes); the catalog is truncated or corrupt.");
            var s = d.Slice((int)at, 4);
            return littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
        }
        uint revision = U32(data, 4);
        if (revision >> 16 > 1) throw new InvalidDataException($"{name}: major revision {revision >> 16} is not one this reader knows (0 or 1).");
        long count = U32(data, 8), originals = U32(data, 12), translations = U32(data, 16);
        if (count > data.Length / 16) throw new InvalidDataException($"{name}: {count} messages cannot fit in {data.Length} bytes.");
        string Text(ReadOnlySpan<byte> d, long table, long i)
        {
            long length = U32(d, table + 8 * i), offset = U32(d, table + 8 * i + 4);
            if (offset + length > d.Length) throw new InvalidDataException($"{name}: string {i} (offset {offset}, length {length}) runs past the end of the file.");
            return Encoding.UTF8.GetString(d.Slice((int)offset, (int)length));
        }
        var messages = new List<GettextMessage>((int)count);
        for (long i = 0; i < count; i++)
        {
            string original = Text(data, originals, i), translated = Text(data, translations, i);
            if (original.Length == 0) continue;                      // the header
            string? context = null;
            int eot = original.IndexOf('\u0004');
            if (eot >= 0) { context = original[..eot]; original = original[(eot + 1)..]; }
            string? plural = null;
            int nul = original.IndexOf('\0');
            if (nul >= 0) { plural = original[(nul + 1)..]; original = original[..nul]; }
            messages.Add(new GettextMessage(context, original, plural, translated.Split('\0')));
        }
        return messages;
    }

    /// <summary>
    /// Writes a catalog (for tests and tools): messages sorted by original as gettext does, no hash
    /// table, in the chosen byte order.
    /// </summary>
    public static byte[] Write(IEnumerable<GettextMessage> messages, bool littleEndian = true)
    {
        var entries = messages.Select(m =>
        {
            string original = (m.Context is null ? "" : m.Context + "\u0004") + m.Id + (m.IdPlural is null ? "" : "\0" + m.IdPlural);
            return (Original: Encoding.UTF8.GetBytes(original), Translation: Encoding.UTF8.GetBytes(string.Join('\0', m.Translations)));
        }).OrderBy(e => e.Original, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        int n = entries.Count, headerSize = 28, tables = 16 * n;
        var stream = new MemoryStream();
        var buffer = new byte[4];
        void Put(uint v)
        {
            if (littleEndian) BinaryPrimitives.WriteUInt32LittleEndian(buffer, v); else BinaryPrimitives.WriteUInt32BigEndian(buffer, v);
            stream.Write(buffer);
        }
        Put(Magic); Put(0); Put((uint)n); Put((uint)headerSize); Put((uint)(headerSize + 8 * n)); Put(0); Put((uint)(headerSize + tables));
        long at = headerSize + tables;
        var strings = new List<byte[]>();
        foreach (var part in new[] { 0, 1 })
            foreach (var e in entries)
            {
                var bytes = part == 0 ? e.Original : e.Translation;
                Put((uint)bytes.Length); Put((uint)at);
                at += bytes.Length + 1;
                strings.Add(bytes);
            }
        // The two tables were written in order originals, translations; now the strings, NUL-terminated.
        foreach (var s in strings) { stream.Write(s); stream.WriteByte(0); }
        return stream.ToArray();
    }
}
