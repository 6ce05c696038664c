using System.Globalization;
using System.Text.Json;

namespace SharpLM.Formats;

/// <summary>
/// Typed reads and writes of a model's <c>config.json</c> keys, shared by every family's
/// Hugging Face config: an absent or null key is "not given"; a key of the wrong type is an
/// <see cref="InvalidDataException"/> naming the file, the key and what it holds.
/// </summary>
internal static class ConfigJson
{
    /// <summary>The error for a config file that says something wrong.</summary>
    public static InvalidDataException Bad(string path, string what) => new($"model config '{path}' {what}.");

    private static bool Absent(JsonElement root, string key, out JsonElement value) =>
        !root.TryGetProperty(key, out value) || value.ValueKind == JsonValueKind.Null;

    /// <summary>An integer key, or null when absent.</summary>
    public static int? OptInt(JsonElement root, string key, string path)
    {
        if (Absent(root, key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Bad(path, $"key '{key}' is {v.GetRawText()}, expected an integer");
        return i;
    }

    /// <summary>An integer or a list of integers (e.g. Llama 3's several <c>eos_token_id</c>s); empty when absent.</summary>
    public static IReadOnlyList<int> OptIntList(JsonElement root, string key, string path)
    {
        if (Absent(root, key, out var v)) return [];
        if (v.ValueKind == JsonValueKind.Array)
            return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) ? i
                : throw Bad(path, $"key '{key}' holds {e.GetRawText()}, expected integers")).ToArray();
        return [OptInt(root, key, path)!.Value];
    }

    /// <summary>A number key read as float, or null when absent.</summary>
    public static float? OptFloat(JsonElement root, string key, string path)
    {
        if (Absent(root, key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !float.TryParse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out float f))
            throw Bad(path, $"key '{key}' is {v.GetRawText()}, expected a number");
        return f;
    }

    /// <summary>A true/false key, or null when absent.</summary>
    public static bool? OptBool(JsonElement root, string key, string path)
    {
        if (Absent(root, key, out var v)) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Bad(path, $"key '{key}' is {v.GetRawText()}, expected true or false");
        return v.GetBoolean();
    }

    /// <summary>A string key, or null when absent.</summary>
    public static string? OptString(JsonElement root, string key, string path)
    {
        if (Absent(root, key, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String) throw Bad(path, $"key '{key}' is {v.GetRawText()}, expected a string");
        return v.GetString();
    }

    /// <summary>Writes a float as the shortest text that reads back to the same value, so configs round-trip bit-exactly.</summary>
    public static void WriteFloat(Utf8JsonWriter w, string key, float value)
    {
        w.WritePropertyName(key);
        w.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e"));
    }

    /// <summary>
    /// As <see cref="WriteFloat"/>, but always with a decimal point or an exponent, so Python
    /// reads a float where transformers checks for one (e.g. <c>isinstance(factor, float)</c>).
    /// </summary>
    public static void WritePythonFloat(Utf8JsonWriter w, string key, float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
        if (!text.Contains('.') && !text.Contains('e')) text += ".0";
        w.WritePropertyName(key);
        w.WriteRawValue(text);
    }
}
