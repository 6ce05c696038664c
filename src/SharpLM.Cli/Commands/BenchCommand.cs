using System.CommandLine;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm bench …</c>: speed measurements (GEMM, tokenizer, training step, decoding).</summary>
public static class BenchCommand
{
    /// <summary>Creates the <c>bench</c> command group.</summary>
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed: run in Release on an otherwise idle machine.");
        bench.Subcommands.Add(Bench.GemmBench.Create());
        bench.Subcommands.Add(Bench.OpsBench.Create());
        bench.Subcommands.Add(Bench.DecodeBench.Create());
        bench.Subcommands.Add(Bench.BatchBench.Create());
        bench.Subcommands.Add(Bench.GgufBench.Create());
        bench.Subcommands.Add(Bench.TokenizerBench.Create());
        bench.Subcommands.Add(Bench.TrainBench.Create());
        bench.Subcommands.Add(Bench.BertTrainBench.Create());
        bench.Subcommands.Add(Bench.BertBaselinesBench.Create());
        bench.Subcommands.Add(Bench.Seq2SeqDecodeBench.Create());
        bench.Subcommands.Add(Bench.Llama2cParityBench.Create());
        bench.Subcommands.Add(Bench.LoraBench.Create());
        return bench;
    }
}
