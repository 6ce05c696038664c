using System.CommandLine;
using System.Text.RegularExpressions;
using SharpLM.Cli.Data;
using SharpLM.Formats;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm data</c>: builds real data sets from the .NET SDK's XML API documentation, split
/// by assembly so nothing leaks: <c>sdk-ner</c> (CoNLL: TYPE/MEMBER/PARAM/KEYWORD entities from
/// the markup), <c>sdk-classify</c> (JSONL: which API area a summary documents) and
/// <c>sdk-pretrain</c> (raw text, one sentence per line, documents separated by blank lines).
/// </summary>
public static partial class DataCommand
{
    /// <summary>The <c>data</c> sub-commands built from the SDK docs: sdk-ner, sdk-classify, sdk-pretrain (sdk-instructions, <see cref="SdkInstructionsCommand"/>, is registered in Program with the decoder commands).</summary>
    public static IEnumerable<Command> Subcommands() =>
    [
        Sub("sdk-ner", "Named entities (TYPE, MEMBER, PARAM, KEYWORD) from the summaries' markup, as CoNLL train/validation/test files.", WriteNer),
        Sub("sdk-classify", "Which API area (namespace's first two components, the N most frequent) a summary documents, as JSONL train/validation/test files.", WriteClassify),
        Sub("sdk-pretrain", "Pretraining text from the train assemblies (test assemblies left out): one sentence per line, a blank line between types.", WritePretrain),
    ];

    private sealed record Args(string Out, ulong Seed, double Validation, double Test, int Areas);

    private static Command Sub(string name, string description, Action<Args, List<SdkSummary>> write)
    {
        var output = new Option<string?>("--out") { Description = "Output folder." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the assembly split.", DefaultValueFactory = _ => 17UL };
        var val = new Option<double>("--val-fraction") { Description = "Fraction of summaries (whole assemblies) for validation.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test-fraction") { Description = "Fraction of summaries (whole assemblies) for test.", DefaultValueFactory = _ => 0.1 };
        var areas = new Option<int>("--areas") { Description = "sdk-classify: number of most frequent API areas kept as labels.", DefaultValueFactory = _ => 12 };
        var cmd = new Command(name, description);
        foreach (var o in new Option[] { output, seed, val, test, areas }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var args = new Args(pr.GetValue(output) ?? throw new CliException("--out is required: the folder to write the data set into."),
                pr.GetValue(seed), pr.GetValue(val), pr.GetValue(test), pr.GetValue(areas));
            if (args.Validation < 0 || args.Test < 0 || args.Validation + args.Test >= 0.9) throw new CliException("--val-fraction and --test-fraction must be ≥ 0 and leave most data for training.");
            if (args.Areas < 2) throw new CliException($"--areas must be ≥ 2, got {args.Areas}.");
            var files = SdkDocs.Files();
            var summaries = SdkDocs.ReadSummaries(files);
            Console.WriteLine($"read {summaries.Count:N0} distinct summaries from {files.Count} documentation files");
            Directory.CreateDirectory(args.Out);
            write(args, summaries);
            return 0;
        });
        return cmd;
    }

    private static void WriteNer(Args args, List<SdkSummary> summaries)
    {
        var tagged = summaries.Where(s => s.Entities.Count > 0).ToList();
        var (train, validation, test) = SdkDocs.SplitByAssembly(tagged, s => s.Assembly, args.Validation, args.Test, args.Seed);
        foreach (var (split, rows) in new[] { ("train", train), ("validation", validation), ("test", test) })
        {
            var sentences = rows.Select(ToSentence).ToList();
            ConllFile.Write(Path.Combine(args.Out, split + ".conll"), sentences);
            var counts = sentences.SelectMany(s => s.Tags).Where(t => t.StartsWith("B-", StringComparison.Ordinal)).GroupBy(t => t[2..]).OrderBy(g => g.Key)
                .Select(g => $"{g.Key} {g.Count():N0}");
            Console.WriteLine($"{split}: {sentences.Count:N0} sentences from {rows.Select(r => r.Assembly).Distinct().Count()} assemblies; entities: {string.Join(", ", counts)}");
        }
        Console.WriteLine($"{tagged.Count:N0} of {summaries.Count:N0} summaries carry entity markup; written to {args.Out}/{{train,validation,test}}.conll");
    }

    /// <summary>A summary as CoNLL words with BIO tags.</summary>
    public static TaggedSentence ToSentence(SdkSummary s)
    {
        var words = SdkDocs.Words(s.Text).ToList();
        return new TaggedSentence(words.Select(w => s.Text.Substring(w.Start, w.Length)).ToArray(), TaggedSentence.TagsFromSpans(words, s.Entities));
    }

    private static void WriteClassify(Args args, List<SdkSummary> summaries)
    {
        var (train, validation, test) = SdkDocs.SplitByAssembly(summaries, s => s.Assembly, args.Validation, args.Test, args.Seed);
        // The labels: the most frequent areas of the training split, so every evaluation label occurs in training.
        var areas = train.GroupBy(s => s.Area).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(args.Areas).Select(g => g.Key).ToHashSet();
        foreach (var (split, rows) in new[] { ("train", train), ("validation", validation), ("test", test) })
        {
            var kept = rows.Where(r => areas.Contains(r.Area)).Select(r => new LabeledText(r.Text, null, r.Area)).ToList();
            LabeledTextFile.WriteJsonl(Path.Combine(args.Out, split + ".jsonl"), kept);
            Console.WriteLine($"{split}: {kept.Count:N0} summaries ({rows.Count - kept.Count:N0} outside the {areas.Count} areas dropped); " +
                string.Join(", ", kept.GroupBy(k => k.Label).OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} {g.Count():N0}")) + ", …");
        }
        Console.WriteLine($"labels: {string.Join(", ", areas.Order(StringComparer.Ordinal))}; written to {args.Out}/{{train,validation,test}}.jsonl");
    }

    private static void WritePretrain(Args args, List<SdkSummary> summaries)
    {
        // Only the train assemblies of the same split as sdk-ner / sdk-classify: pretraining never reads their test text.
        var (train, _, _) = SdkDocs.SplitByAssembly(summaries, s => s.Assembly, args.Validation, args.Test, args.Seed);
        var docs = train.GroupBy(s => TypeOf(s.Member)).Select(g => g.SelectMany(s => Sentences(s.Text)).ToArray()).Where(d => d.Length > 0).ToList();
        var text = string.Join("\n\n", docs.Select(d => string.Join('\n', d))) + "\n";
        AtomicFile.WriteAllText(Path.Combine(args.Out, "train.txt"), text);
        Console.WriteLine($"{docs.Count:N0} documents (one per type), {docs.Sum(d => d.Length):N0} sentences from {train.Select(s => s.Assembly).Distinct().Count()} train assemblies; written to {args.Out}/train.txt");
    }

    /// <summary>The type a member id belongs to (<c>M:System.String.Split(…)</c> → <c>System.String</c>).</summary>
    private static string TypeOf(string member)
    {
        string s = member[2..];
        int paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        if (member.StartsWith("T:", StringComparison.Ordinal)) return s;
        int dot = s.LastIndexOf('.');
        return dot < 0 ? s : s[..dot];
    }

    /// <summary>Sentences of a summary: split after . ! ? followed by a space and a capital letter.</summary>
    public static IEnumerable<string> Sentences(string text) =>
        SentenceEnd().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z])")]
    private static partial Regex SentenceEnd();
}
