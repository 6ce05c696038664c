using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli;
using SharpLM.Training;

namespace SharpLM.Tests.Training;

[Collection("Console")]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-traincli-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static int Invoke(params string[] args) => CliInvocation.Invoke(args);

    private string WriteText(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string[] Tiny(string data, string outDir, params string[] extra) =>
        ["train", "--data", data, "--out", outDir, "--layers", "1", "--heads", "2", "--width", "32", "--block-size", "16",
         "--batch-size", "4", "--max-steps", "6", "--warmup", "2", "--eval-every", "3", "--eval-batches", "2", "--threads", "1", .. extra];

    private string Corpus() => WriteText("corpus.txt", string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));

    [Fact]
    public void TrainWritesCheckpointMetricsAndChartAndResumes()
    {
        string data = Corpus(), run = Path.Combine(_root, "run");
        Assert.Equal(0, Invoke(Tiny(data, run)));
        foreach (var f in new[] { "model.safetensors", "config.json", "tokenizer.json", "optimizer.safetensors", "trainer_state.json", "metrics.jsonl", "loss.svg" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing from the run folder");
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 7), lines.Select(l => l.GetProperty("step").GetInt32()));
        foreach (var l in lines.Skip(1))
            foreach (var key in new[] { "train_loss", "lr", "tokens_per_s", "elapsed_s" }) Assert.True(l.TryGetProperty(key, out _), $"step {l.GetProperty("step")} lacks {key}");
        Assert.True(lines[^1].TryGetProperty("val_loss", out _), "the final step must carry a validation loss");
        Assert.True(lines[3].TryGetProperty("val_loss", out _));
        Assert.False(lines[2].TryGetProperty("val_loss", out _));

        Assert.Contains("--resume", Assert.Throws<CliException>(() => Invoke(Tiny(data, run))).Message);

        // Resume a finished run: nothing left to do, the checkpoint loads and the log is unchanged.
        Assert.Equal(0, Invoke(["train", "--data", data, "--out", run, "--resume", "--threads", "1"]));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);

        // eval reads the run folder and the text through the run's tokenizer.
        Assert.Equal(0, Invoke(["eval", "--model", run, "--data", data, "--block-size", "16", "--batches", "2", "--threads", "1"]));
        // A character tokenizer has no start token, so an empty prompt is a clear CLI error, not a crash.
        Assert.Contains("--prompt", Assert.Throws<CliException>(() => Invoke(["generate", "--model", run, "--prompt", "", "--max-tokens", "2", "--threads", "1"])).Message);
        Assert.Equal(0, Invoke(["generate", "--model", run, "--prompt", "the ", "--max-tokens", "2", "--threads", "1"]));
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        string data = Corpus();
        string outDir = Path.Combine(_root, "bad");
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => Invoke(Tiny(Path.Combine(_root, "missing.txt"), outDir))).Message);
        Assert.Contains("empty", Assert.Throws<CliException>(() => Invoke(Tiny(WriteText("empty.txt", "  \n"), outDir))).Message);
        Assert.Contains("fewer than one block", Assert.Throws<CliException>(() => Invoke(Tiny(WriteText("short.txt", "tiny text"), outDir))).Message);
        Assert.Contains("--tokenizer 'wordz'", Assert.Throws<CliException>(() => Invoke(Tiny(data, outDir, "--tokenizer", "wordz"))).Message);
        Assert.Contains("bpe:N", Assert.Throws<CliException>(() => Invoke(Tiny(data, outDir, "--tokenizer", "bpe:12"))).Message);
        Assert.Contains("not divisible by heads 2", Assert.Throws<CliException>(() => Invoke(Tiny(data, outDir).Select(a => a == "32" ? "33" : a).ToArray())).Message);
        Assert.Contains("--min-lr", Assert.Throws<CliException>(() => Invoke(Tiny(data, outDir, "--min-lr", "0.5"))).Message);
        Assert.Contains("--data is required", Assert.Throws<CliException>(() => Invoke(["train", "--out", outDir])).Message);
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => Invoke(["train", "--data", data, "--out", Path.Combine(_root, "nope"), "--resume"])).Message);
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => Invoke(["eval", "--model", Path.Combine(_root, "nope"), "--data", data])).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void BpeTokenizerAndFolderDataWork()
    {
        var folder = Path.Combine(_root, "texts");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a.txt"), string.Concat(Enumerable.Repeat("alpha beta gamma delta. ", 80)));
        File.WriteAllText(Path.Combine(folder, "b.md"), string.Concat(Enumerable.Repeat("epsilon zeta eta theta. ", 80)));
        string run = Path.Combine(_root, "bpe");
        Assert.Equal(0, Invoke(Tiny(folder, run, "--tokenizer", "bpe:300")));
        var tok = Checkpoint.LoadTokenizer(run);
        Assert.Equal("bpe", tok.Kind);
        Assert.InRange(tok.VocabSize, 258, 300); // merges stop early when no pair repeats
        // Resuming re-encodes the data with the saved tokenizer.json: the ids must be exactly the trained run's.
        Assert.Equal(0, Invoke(["train", "--data", folder, "--out", run, "--resume", "--threads", "1"]));
    }
}
