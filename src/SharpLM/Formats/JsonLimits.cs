using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SharpLM.Formats;

/// <summary>
/// The limits every SharpLM reader of a JSON file from outside applies before trusting it (hostile
/// input defence): a size cap checked before the file is read, a nesting cap (no stack overflow on
/// deep JSON), and a check that every string is valid Unicode, so a bad byte surfaces as the
/// reader's own format exception naming the file and field instead of an InvalidOperationException
/// thrown later from deep inside System.Text.Json.
/// </summary>
public static class JsonLimits
{
    /// <summary>Deepest nesting accepted (real model and tokenizer files nest a handful of levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>Largest config-like JSON file (config.json, trainer_state.json, special_tokens.json): 16 MB.</summary>
    public const long MaxSmallFileBytes = 16L << 20;

    /// <summary>Largest tokenizer JSON file (tokenizer.json, vocab.json): 512 MB; the largest real ones are tens of MB.</summary>
    public const long MaxTokenizerFileBytes = 512L << 20;

    /// <summary>Reads <paramref name="path"/> after checking its size against <paramref name="maxBytes"/>; <paramref name="error"/>(field, problem) builds the reader's own exception.</summary>
    internal static byte[] ReadFile(string path, long maxBytes, Func<string, string, Exception> error)
    {
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw error("file size", $"{length} bytes is more than the {maxBytes}-byte limit for this kind of file");
        return File.ReadAllBytes(path);
    }

    /// <summary>Reads and parses a JSON file under the limits (see <see cref="Parse(ReadOnlyMemory{byte}, Func{string, string, Exception}, bool)"/>).</summary>
    internal static JsonDocument ParseFile(string path, long maxBytes, Func<string, string, Exception> error, bool allowTrailingCommas = false) =>
        Parse(ReadFile(path, maxBytes, error), error, allowTrailingCommas);

    /// <summary>Parses JSON text under the limits.</summary>
    internal static JsonDocument Parse(string json, Func<string, string, Exception> error) => Parse(Encoding.UTF8.GetBytes(json), error);

    /// <summary>
    /// Parses UTF-8 JSON (a leading byte-order mark is skipped) with <see cref="MaxDepth"/>, after checking that the bytes are valid UTF-8,
    /// and then checks that no string or property name holds an escaped lone surrogate. Every
    /// problem is thrown as <paramref name="error"/>(field, problem).
    /// </summary>
    internal static JsonDocument Parse(ReadOnlyMemory<byte> utf8, Func<string, string, Exception> error, bool allowTrailingCommas = false)
    {
        if (utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..]; // a UTF-8 byte-order mark (Windows editors add one)
        if (!Utf8.IsValid(utf8.Span))
            throw error($"byte {FirstInvalidUtf8(utf8.Span)}", "the text is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowTrailingCommas = allowTrailingCommas }); }
        catch (JsonException e) { throw error($"line {e.LineNumber + 1}", $"invalid JSON: {e.Message}"); }
        try
        {
            if (FindBadString(doc.RootElement) is { } where)
                throw error("$" + where, "a string holds an escaped lone surrogate (\\uD800-\\uDFFF), which is not valid Unicode");
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    // The bytes are valid UTF-8, so only a \u escape can make a string untranscodable (a lone surrogate);
    // only strings that contain a backslash are decoded to find out. Returns the bad string's path, or null.
    private static string? FindBadString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (JsonMarshal.GetRawUtf8PropertyName(property).IndexOf((byte)'\\') >= 0 && !Decodes(() => property.Name))
                        return " (a property name)";
                    if (FindBadString(property.Value) is { } inner) return "." + property.Name + inner;
                }
                return null;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindBadString(item) is { } inner) return $"[{i}]{inner}";
                    i++;
                }
                return null;
            case JsonValueKind.String:
                return JsonMarshal.GetRawUtf8Value(element).IndexOf((byte)'\\') >= 0 && !Decodes(() => element.GetString()) ? "" : null;
            default:
                return null;
        }
    }

    private static bool Decodes(Func<string?> decode)
    {
        try { decode(); return true; }
        catch (InvalidOperationException) { return false; }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int used) != System.Buffers.OperationStatus.Done) return i;
            i += used;
        }
        return i;
    }
}
