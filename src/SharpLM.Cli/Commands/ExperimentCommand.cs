using System.CommandLine;
using System.Globalization;
using SharpLM.Experiments;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm experiment ...</c>: the claims about architectures as runnable experiments that end in an HTML report with plots and the raw numbers as JSON.</summary>
public static class ExperimentCommand
{
    /// <summary>Creates the <c>experiment</c> command and its sub-commands.</summary>
    public static Command Create()
    {
        var cmd = new Command("experiment", "Run an experiment behind a claim about architectures; writes DIR/report.html and DIR/results.json.");
        cmd.Subcommands.Add(LongRange());
        cmd.Subcommands.Add(AttentionRank());
        return cmd;
    }

    private static Command AttentionRank()
    {
        var quick = new Option<bool>("--quick") { Description = "Small models and lengths (about a minute on 2 cores)." };
        var steps = new Option<int?>("--steps") { Description = "Training steps per model." };
        var data = new Option<string?>("--data") { Description = "Training text file (default: the .NET SDK's XML API documentation, as quickstart)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed for weights and data.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Directory for report.html and results.json.", DefaultValueFactory = _ => "attention-rank-report" };
        var cmd = new Command("attention-rank", "Numerical rank of every head's attention matrix, causal decoder vs bidirectional encoder trained on the same text; and decode FLOPs and speed with and without the KV cache.");
        foreach (var o in new Option[] { quick, steps, data, seed, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            bool isQuick = pr.GetValue(quick);
            var options = (isQuick ? AttentionRankOptions.Quick : new AttentionRankOptions()) with { Seed = pr.GetValue(seed) };
            if (pr.GetValue(steps) is { } s) options = options with { Steps = s };
            try { options.Validate(); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            string text = ExperimentText.Load(pr.GetValue(data), isQuick ? 300_000 : 1_000_000, options.Seed);
            string dir = pr.GetValue(output)!;
            var results = AttentionRankExperiment.Run(text, options, Console.WriteLine);
            AttentionRankReport.Write(results, dir);
            Console.WriteLine($"wrote {Path.Combine(dir, "report.html")} and {Path.Combine(dir, "results.json")} ({results.Seconds:F0} s)");
            return 0;
        });
        return cmd;
    }

    private static Command LongRange()
    {
        var ks = new Option<string?>("--ks") { Description = "Comma-separated distractor counts k (default 2,8,32,128,256; --quick: 2,8,32,64)." };
        var steps = new Option<int?>("--steps") { Description = "Training steps per model and k." };
        var quick = new Option<bool>("--quick") { Description = "Small models and k (about a minute on 2 cores)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed for weights and data.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Directory for report.html and results.json.", DefaultValueFactory = _ => "long-range-report" };
        var cmd = new Command("long-range", "RNN vs LSTM vs a small transformer on recalling a key after k distractors: accuracy against k, and the input-gradient norm against distance.");
        foreach (var o in new Option[] { ks, steps, quick, seed, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var options = pr.GetValue(quick) ? LongRangeOptions.Quick : new LongRangeOptions();
            options = options with { Seed = pr.GetValue(seed) };
            if (pr.GetValue(ks) is { } list) options = options with { Ks = ParseKs(list) };
            if (pr.GetValue(steps) is { } s) options = options with { Steps = s };
            try { options.Validate(); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            string dir = pr.GetValue(output)!;
            var results = LongRangeExperiment.Run(options, Console.WriteLine);
            LongRangeReport.Write(results, dir);
            Console.WriteLine($"wrote {Path.Combine(dir, "report.html")} and {Path.Combine(dir, "results.json")} ({results.Seconds:F0} s)");
            return 0;
        });
        return cmd;
    }

    private static int[] ParseKs(string list)
    {
        var parts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ks = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ks[i]))
                throw new CliException($"--ks: '{parts[i]}' is not an integer (expected e.g. 2,8,32).");
        if (ks.Length == 0) throw new CliException("--ks: give at least one k.");
        return ks;
    }
}
