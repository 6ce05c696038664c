using System.CommandLine;
using SharpLM.Cli.Data;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

public static partial class DataCommand
{
    /// <summary>
    /// <c>sharplm data sdk-instructions</c>: question/answer chats from the SDK docs
    /// (<see cref="SdkInstructions"/>) as <c>messages</c> JSONL, split by assembly into
    /// train/validation/test so no held-out answer comes from an assembly seen in training.
    /// </summary>
    public static Command SdkInstructionsCommand()
    {
        var output = new Option<string?>("--out") { Description = "Output folder (train.jsonl, validation.jsonl, test.jsonl)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the assembly split and of the order within each file.", DefaultValueFactory = _ => 17UL };
        var val = new Option<double>("--val-fraction") { Description = "Fraction of pairs (whole assemblies) for validation.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test-fraction") { Description = "Fraction of pairs (whole assemblies) for test.", DefaultValueFactory = _ => 0.1 };
        var maxChars = new Option<int>("--max-answer-chars") { Description = "Leave out answers longer than this many characters (small models have short contexts).", DefaultValueFactory = _ => 300 };
        var kinds = new Option<string>("--kinds") { Description = "Comma-separated kinds of question to keep: type, method, constructor, property, field, event, parameter (or all).", DefaultValueFactory = _ => "all" };
        var cmd = new Command("sdk-instructions", "Instruction-tuning chats from the SDK docs: 'What does System.String.IsNullOrEmpty do?' → its summary; 'What is the parameter `value` of …?' → its description; JSONL train/validation/test split by assembly.");
        foreach (var o in new Option[] { output, seed, val, test, maxChars, kinds }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the folder to write the data set into.");
            double v = pr.GetValue(val), t = pr.GetValue(test);
            if (v < 0 || t < 0 || v + t >= 0.9) throw new CliException("--val-fraction and --test-fraction must be ≥ 0 and leave most data for training.");
            if (pr.GetValue(maxChars) < 12) throw new CliException($"--max-answer-chars must be ≥ 12, got {pr.GetValue(maxChars)}.");
            var known = new[] { "type", "method", "constructor", "property", "field", "event", "parameter" };
            var keep = (pr.GetValue(kinds) ?? "all").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            if (keep.Contains("all")) keep = known.ToHashSet();
            if (keep.FirstOrDefault(k => !known.Contains(k)) is { } bad) throw new CliException($"--kinds: unknown kind '{bad}'; known: {string.Join(", ", known)}, all.");
            var files = SdkDocs.Files();
            var pairs = SdkInstructions.Read(files, maxAnswerChars: pr.GetValue(maxChars)).Where(p => keep.Contains(p.Kind)).ToList();
            if (pairs.Count == 0) throw new CliException("no question/answer pairs found in the SDK documentation with these options.");
            Console.WriteLine($"built {pairs.Count:N0} question/answer pairs from {files.Count} documentation files ({string.Join(", ", pairs.GroupBy(p => p.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}"))})");
            Directory.CreateDirectory(outDir);
            var (train, validation, testSet) = SdkDocs.SplitByAssembly(pairs, p => p.Assembly, v, t, pr.GetValue(seed));
            var rng = new Tensors.Rng(pr.GetValue(seed) + 1);
            foreach (var (split, rows) in new[] { ("train", train), ("validation", validation), ("test", testSet) })
            {
                for (int i = rows.Count - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (rows[i], rows[j]) = (rows[j], rows[i]); }
                InstructionFile.Write(Path.Combine(outDir, split + ".jsonl"), rows.Select(r => r.ToConversation()));
                Console.WriteLine($"{split}: {rows.Count:N0} chats from {rows.Select(r => r.Assembly).Distinct().Count()} assemblies");
            }
            Console.WriteLine($"written to {outDir}/{{train,validation,test}}.jsonl; example: {train[0].Question} → {train[0].Answer}");
            return 0;
        });
        return cmd;
    }
}
