using System.Text.RegularExpressions;
using System.Xml.Linq;
using SharpLM.Chat;
using SharpLM.Training;

namespace SharpLM.Cli.Data;

/// <summary>One question about the .NET API and the SDK documentation's answer to it.</summary>
/// <param name="Assembly">The documented assembly (the unit of the train/validation/test split).</param>
/// <param name="Member">The member id the answer documents (<c>M:System.String.IsNullOrEmpty(System.String)</c>).</param>
/// <param name="Kind">type, method, constructor, property, field, event or parameter.</param>
/// <param name="Question">The user's question, e.g. <c>What does System.String.IsNullOrEmpty do?</c>.</param>
/// <param name="Answer">The documentation's text: the member's summary, or the parameter's description.</param>
public sealed record SdkInstruction(string Assembly, string Member, string Kind, string Question, string Answer)
{
    /// <summary>The pair as a chat: the question as the user's turn, the answer as the assistant's.</summary>
    public InstructionConversation ToConversation() =>
        new([new ChatMessage(ChatMessage.User, Question), new ChatMessage(ChatMessage.Assistant, Answer)]);
}

/// <summary>
/// Instruction-tuning pairs built from the .NET SDK's XML API documentation (instruction data with
/// nothing downloaded): for each documented member a question naming it and its summary as the
/// answer (<c>What does System.String.IsNullOrEmpty do?</c> → <c>Indicates whether the specified
/// string is null or an empty string ("").</c>), and for each documented parameter
/// <c>What is the parameter `value` of System.String.IsNullOrEmpty?</c> → its description. A question
/// asked twice (overloads, forwarded types) keeps its first answer, so no question has two.
/// </summary>
public static partial class SdkInstructions
{
    /// <summary>Every pair of <paramref name="files"/>, in file order; answers shorter than <paramref name="minAnswerChars"/> or longer than <paramref name="maxAnswerChars"/> are left out.</summary>
    public static List<SdkInstruction> Read(IEnumerable<string> files, int minAnswerChars = 12, int maxAnswerChars = int.MaxValue)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<SdkInstruction>();
        void Add(SdkInstruction p)
        {
            if (p.Answer.Length >= minAnswerChars && p.Answer.Length <= maxAnswerChars && seen.Add(p.Question)) result.Add(p);
        }
        foreach (var (assembly, id, member) in SdkDocs.Members(files))
        {
            if (Describe(id) is not { } d) continue;
            if (member.Element("summary") is { } summary)
                Add(new SdkInstruction(assembly, id, d.Kind, d.Question, SdkDocs.Render(summary).Text));
            if (d.Kind is not ("method" or "constructor")) continue;
            foreach (var param in member.Elements("param"))
                if ((string?)param.Attribute("name") is { Length: > 0 } name)
                    Add(new SdkInstruction(assembly, id, "parameter", $"What is the parameter `{name}` of {d.Name}?", SdkDocs.Render(param).Text));
        }
        return result;
    }

    /// <summary>
    /// What a member id is and how the question about it reads: <c>T:</c> "What is X?", <c>M:</c> "What does
    /// X.M do?" (constructors "What does the X constructor do?"), <c>P:</c>/<c>F:</c>/<c>E:</c> "What is the
    /// property/field/event X.P?". Null for ids that name no single API (namespaces, explicit interface
    /// implementations).
    /// </summary>
    public static (string Kind, string Name, string Question)? Describe(string memberId)
    {
        if (memberId.Length < 3 || memberId[1] != ':') return null;
        string s = memberId[2..];
        int paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        s = Arity().Replace(s, "");
        int dot = s.LastIndexOf('.');
        string last = dot < 0 ? s : s[(dot + 1)..], owner = dot < 0 ? "" : s[..dot];
        if (last.Contains('#') && last != "#ctor") return null;
        return memberId[0] switch
        {
            'T' => ("type", s, $"What is {s}?"),
            'M' when last == "#ctor" => ("constructor", owner, $"What does the {owner} constructor do?"),
            'M' when last == "#cctor" => null,
            'M' => ("method", s, $"What does {s} do?"),
            'P' => ("property", s, $"What is the property {s}?"),
            'F' => ("field", s, $"What is the field {s}?"),
            'E' => ("event", s, $"What is the event {s}?"),
            _ => null,
        };
    }

    [GeneratedRegex(@"``?\d+")]
    private static partial Regex Arity();
}
