using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Chat;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>One conversation of an instruction-tuning data set, with the line it was read from (for errors).</summary>
/// <param name="Messages">The turns: an optional system turn, then user and assistant turns; at least one assistant turn.</param>
/// <param name="Line">1-based line of the JSONL file (0 when not read from a file).</param>
public sealed record InstructionConversation(IReadOnlyList<ChatMessage> Messages, int Line = 0);

/// <summary>
/// Instruction-tuning (SFT) data as JSONL, one example per line, in either of the two common shapes:
/// chat conversations <c>{"messages": [{"role": "system"|"user"|"assistant", "content": "…"}, …]}</c>
/// (the OpenAI / TRL "messages" format), or Alpaca records <c>{"instruction": "…", "input": "…",
/// "output": "…"}</c> (Stanford Alpaca; <c>input</c> optional, appended to the instruction after a
/// blank line; an optional <c>system</c> string). Both become conversations. A bad record is an
/// <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
public static class InstructionFile
{
    /// <summary>Reads every conversation of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a valid record (the message names file:line), or the file has none.</exception>
    public static List<InstructionConversation> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such data file.", path);
        var result = new List<InstructionConversation>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            result.Add(Parse(line, $"{path}:{n}", n));
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no conversations (expected JSONL with 'messages' or Alpaca 'instruction'/'output' records).");
        return result;
    }

    /// <summary>Parses one JSONL record; <paramref name="where"/> (e.g. <c>file:line</c>) starts every error message.</summary>
    public static InstructionConversation Parse(string json, string where, int line = 0)
    {
        using (JsonLimits.Parse(json, (field, problem) => new InvalidDataException($"{where}: not valid JSON at {field} ({problem})."))) { }
        JsonObject o;
        try { o = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{where}: expected a JSON object."); _ = o.Count; }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: a key appears twice ({e.Message}).", e); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message}).", e); }

        List<ChatMessage> messages;
        if (o.ContainsKey("messages")) messages = Messages(o["messages"], where);
        else if (o.ContainsKey("instruction") || o.ContainsKey("output")) messages = Alpaca(o, where);
        else throw new InvalidDataException($"{where}: a record needs 'messages' (a chat) or 'instruction' and 'output' (Alpaca); found {(o.Count == 0 ? "no fields" : string.Join(", ", o.Select(p => $"'{p.Key}'")))}.");
        Check(messages, where);
        return new InstructionConversation(messages, line);
    }

    /// <summary>Writes conversations as JSONL in the <c>messages</c> format, atomically.</summary>
    public static void Write(string path, IEnumerable<InstructionConversation> conversations)
    {
        var sb = new StringBuilder();
        foreach (var c in conversations) sb.Append(ToJson(c.Messages)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>One conversation as a JSONL line: <c>{"messages":[{"role":…,"content":…},…]}</c>.</summary>
    public static string ToJson(IReadOnlyList<ChatMessage> messages)
    {
        var array = new JsonArray();
        foreach (var m in messages) array.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        return new JsonObject { ["messages"] = array }.ToJsonString();
    }

    private static List<ChatMessage> Messages(JsonNode? node, string where)
    {
        if (node is not JsonArray array) throw new InvalidDataException($"{where}: 'messages' must be an array of {{\"role\", \"content\"}} objects.");
        var messages = new List<ChatMessage>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject m) throw new InvalidDataException($"{where}: messages[{i}] must be an object with 'role' and 'content'.");
            string role = Text(m, "role", $"{where}: messages[{i}]") ?? throw new InvalidDataException($"{where}: messages[{i}] has no 'role'.");
            string content = Text(m, "content", $"{where}: messages[{i}]") ?? throw new InvalidDataException($"{where}: messages[{i}] ({role}) has no 'content'.");
            if (role is not (ChatMessage.System or ChatMessage.User or ChatMessage.Assistant))
                throw new InvalidDataException($"{where}: messages[{i}] has role '{role}'; expected system, user or assistant.");
            messages.Add(new ChatMessage(role, content));
        }
        return messages;
    }

    private static List<ChatMessage> Alpaca(JsonObject o, string where)
    {
        string instruction = Text(o, "instruction", where) ?? throw new InvalidDataException($"{where}: an Alpaca record needs 'instruction'.");
        string output = Text(o, "output", where) ?? throw new InvalidDataException($"{where}: an Alpaca record needs 'output' (the answer to train on).");
        string? input = Text(o, "input", where);
        string? system = Text(o, "system", where);
        var messages = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(system)) messages.Add(new ChatMessage(ChatMessage.System, system));
        messages.Add(new ChatMessage(ChatMessage.User, string.IsNullOrEmpty(input) ? instruction : instruction + "\n\n" + input));
        messages.Add(new ChatMessage(ChatMessage.Assistant, output));
        return messages;
    }

    // The rules every template agrees on: a system turn only first, then user/assistant alternating from a user turn, ending with an answer.
    private static void Check(List<ChatMessage> messages, string where)
    {
        if (messages.Count == 0) throw new InvalidDataException($"{where}: 'messages' is empty.");
        int start = messages[0].Role == ChatMessage.System ? 1 : 0;
        if (messages.Count == start) throw new InvalidDataException($"{where}: the conversation has only a system message; it needs user and assistant turns.");
        for (int i = start; i < messages.Count; i++)
        {
            string expected = (i - start) % 2 == 0 ? ChatMessage.User : ChatMessage.Assistant;
            if (messages[i].Role != expected)
                throw new InvalidDataException($"{where}: messages[{i}] is '{messages[i].Role}' but '{expected}' was expected (a system message may only come first, then user and assistant alternate).");
        }
        if (messages[^1].Role != ChatMessage.Assistant)
            throw new InvalidDataException($"{where}: the conversation ends with a {messages[^1].Role} turn; it must end with the assistant's answer (the text the model learns).");
        for (int i = start + 1; i < messages.Count; i += 2)
            if (messages[i].Content.Length == 0) throw new InvalidDataException($"{where}: messages[{i}] (assistant) is empty: there is nothing to learn from it.");
    }

    private static string? Text(JsonObject o, string key, string where)
    {
        var node = o[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new InvalidDataException($"{where}: field '{key}' must be a string.");
    }
}
