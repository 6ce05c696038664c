using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli;
using SharpLM.Cli.Commands;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Training;

[Collection("Console")]
public sealed class LlamaTrainCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-llamacli-" + Guid.NewGuid().ToString("N"));

    public LlamaTrainCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static int Invoke(params string[] args) => CliInvocation.Invoke(args);

    [Fact]
    public void ArchLlamaTurnsAGptPresetIntoALlamaShapeAndGptRefusesALlamaPreset()
    {
        var llama = TrainCommand.WithArchitecture(GptConfig.Preset("small"), "llama");
        Assert.True(llama.IsLlamaStyle);
        Assert.Equal((6, 6, 384, GptConfig.LlamaMlpHidden(384)), (llama.Layers, llama.Heads, llama.Width, llama.MlpWidth));
        Assert.Equal((NormKind.RmsNorm, false, false), (llama.Norm, llama.Bias, llama.TiedEmbeddings));
        var stories = GptConfig.Preset("stories15M");
        Assert.Same(stories, TrainCommand.WithArchitecture(stories, null));
        Assert.Same(stories, TrainCommand.WithArchitecture(stories, "llama"));
        Assert.Contains("LLaMA preset", Assert.Throws<CliException>(() => TrainCommand.WithArchitecture(GptConfig.Preset("stories15M"), "gpt")).Message);
        Assert.Contains("gpt or llama", Assert.Throws<CliException>(() => TrainCommand.WithArchitecture(GptConfig.Preset("tiny"), "mamba")).Message);
        Assert.Equal(MlpActivation.SwiGlu, TrainCommand.ParseActivation("swiglu"));
        Assert.Contains("--arch llama", Assert.Throws<CliException>(() => TrainCommand.CheckSaveable(GptConfig.Preset("tiny") with { KvHeads = 2 })).Message);
        Assert.Contains("SwiGLU", Assert.Throws<CliException>(() => TrainCommand.CheckSaveable(GptConfig.Preset("llama-tiny") with { Activation = MlpActivation.Gelu })).Message);
        TrainCommand.CheckSaveable(GptConfig.Preset("llama-tiny"));
        TrainCommand.CheckSaveable(GptConfig.Preset("tiny"));
    }

    [Fact]
    public void TrainArchLlamaWithShapeFlagsLearns()
    {
        string data = Path.Combine(_root, "corpus.txt"), run = Path.Combine(_root, "run");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));
        Assert.Equal(0, Invoke("train", "--data", data, "--out", run, "--arch", "llama", "--layers", "1", "--heads", "4", "--kv-heads", "2",
            "--width", "32", "--mlp-hidden", "64", "--rope-theta", "1000", "--block-size", "16", "--batch-size", "4", "--max-steps", "40",
            "--warmup", "5", "--eval-every", "40", "--eval-batches", "2", "--lr", "3e-3", "--threads", "1"));
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        double first = lines[0].GetProperty("val_loss").GetDouble(), last = lines[^1].GetProperty("val_loss").GetDouble();
        Assert.True(last < first - 1.0, $"validation loss went from {first:F3} to {last:F3}: a LLaMA-style model trained by `train --arch llama` should learn this repetitive text");
    }

    [Fact]
    public void BadKeyValueHeadsAreAClearCliError()
    {
        string data = Path.Combine(_root, "corpus.txt");
        File.WriteAllText(data, "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc");
        var e = Assert.Throws<CliException>(() => Invoke("train", "--data", data, "--out", Path.Combine(_root, "bad"), "--preset", "llama-tiny", "--kv-heads", "3", "--threads", "1"));
        Assert.Contains("not divisible by kv heads 3", e.Message);
    }

    [Fact]
    public void InfoReportsKvCacheBytesPerToken()
    {
        var lines = InfoCommand.Describe(GptConfig.Preset("smollm-135m"), 1, 2048).ToList();
        Assert.Contains(lines, l => l.Contains("KV cache") && l.Contains((2L * 30 * 3 * 64 * 4).ToString("N0")));
        Assert.Contains(lines, l => l.Contains("3 key/value heads") && l.Contains("SwiGLU"));
        Assert.Contains(lines, l => l.Contains("134,515,008"));
    }
}
