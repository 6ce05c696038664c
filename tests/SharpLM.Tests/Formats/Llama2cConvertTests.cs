using SharpLM.Cli;
using SharpLM.Cli.Commands;
using SharpLM.Cli.Commands.Bench;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Formats;

public sealed class Llama2cConvertTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-l2cconvert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sub(string name) => Path.Combine(_dir, name);

    private static readonly Llama2cHeader Shape = new(Dim: 16, HiddenDim: 40, Layers: 2, Heads: 4, KvHeads: 2, VocabSize: 37, SeqLen: 24, SharedClassifier: false);

    private string RandomBin(string name, int version, Llama2cHeader? header = null)
    {
        var w = new Llama2cWeights(header ?? Shape);
        var rng = new Rng(11);
        foreach (var t in w.AttentionNorm.Concat(w.FfnNorm).Append(w.FinalNorm)) rng.FillNormal(t.Span, 1f, 0.2f);
        foreach (var t in w.Matrices()) rng.FillNormal(t.Span, 0f, 0.3f);
        var path = Sub(name);
        Llama2cCheckpoint.Write(path, w, version);
        return path;
    }

    [Fact]
    public void Llama2cToHuggingFaceAndBackIsByteIdentical()
    {
        var bin = RandomBin("m.bin", 0);
        var run = Sub("run");
        ConvertCommand.Run(bin, "llama2c", "hf", run, tokenizerPath: null);
        var fromRun = GptHuggingFace.Load(run);
        var fromBin = GptLlama2c.Load(bin);
        Assert.Equal(fromBin.Config, fromRun.Config);
        LlamaHuggingFaceTests.AssertSameWeights(fromBin, fromRun);
        Assert.True(File.Exists(Path.Combine(run, "config.json")));

        var back = Sub("back.bin");
        ConvertCommand.Run(run, "hf", "llama2c", back, tokenizerPath: null);
        Assert.Equal(File.ReadAllBytes(bin), File.ReadAllBytes(back));

        // v0 → v1 keeps every weight; v1 → v0 gives the original bytes again.
        var v1 = Sub("v1.bin");
        ConvertCommand.Run(bin, "llama2c", "llama2c", v1, tokenizerPath: null, llama2cVersion: 1);
        Assert.Equal(1, Llama2cCheckpoint.Read(v1).Header.Version);
        var v0 = Sub("v0.bin");
        ConvertCommand.Run(v1, "llama2c", "llama2c", v0, tokenizerPath: null, llama2cVersion: 0);
        Assert.Equal(File.ReadAllBytes(bin), File.ReadAllBytes(v0));
    }

    [Fact]
    public void PresetWithRandomWeightsHasThePresetShape()
    {
        var bin = Sub("s.bin");
        ConvertCommand.Run("llama-tiny", "preset", "llama2c", bin, tokenizerPath: null, llama2cVersion: 1, seed: 3, initStd: 0.1f);
        var h = Llama2cCheckpoint.Read(bin).Header;
        var p = GptConfig.Preset("llama-tiny");
        Assert.Equal((p.Width, p.MlpWidth, p.Layers, p.Heads, p.KvHeadCount, p.VocabSize, p.BlockSize, p.TiedEmbeddings),
            (h.Dim, h.HiddenDim, h.Layers, h.Heads, h.KvHeads, h.VocabSize, h.SeqLen, h.SharedClassifier));
        // --init-std draws the matrices from N(0, 0.1): their spread is ≈ 0.1, not GPT-2's 0.02.
        var w = Llama2cCheckpoint.Read(bin).Wq[0].Span;
        double sd = Math.Sqrt(w.ToArray().Average(x => (double)x * x));
        Assert.InRange(sd, 0.09, 0.11);
    }

    [Fact]
    public void BadRequestsAreUserErrors()
    {
        var bin = RandomBin("b.bin", 1);
        Assert.Contains("--llama2c-version", Assert.Throws<CliException>(() => ConvertCommand.Run(bin, "llama2c", "llama2c", Sub("x.bin"), null, llama2cVersion: 2)).Message);
        Assert.Contains("--init-std", Assert.Throws<CliException>(() => ConvertCommand.Run(bin, "llama2c", "hf", Sub("x"), null, initStd: 0.1f)).Message);
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => ConvertCommand.Run(Sub("none.bin"), "llama2c", "hf", Sub("x"), null)).Message);
        Assert.Contains("rotary", Assert.Throws<CliException>(() => ConvertCommand.Run("tiny", "preset", "llama2c", Sub("g.bin"), null)).Message);
        File.WriteAllBytes(Sub("trunc.bin"), File.ReadAllBytes(bin)[..300]);
        Assert.Contains("truncated", Assert.Throws<CliException>(() => ConvertCommand.Run(Sub("trunc.bin"), "llama2c", "hf", Sub("x"), null)).Message);
        Assert.False(Directory.Exists(Sub("x")));
    }

    [Fact]
    public void PrintsWhatLlama2cRunPrints()
    {
        // Ids 0..2 are <unk>, <s>, </s>; 3..258 the byte tokens <0x00>..<0xFF>; then pieces with their spaces.
        var texts = new List<string> { "<unk>", "\n<s>\n", "\n</s>\n" };
        texts.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        texts.AddRange([" Once", " upon"]);
        byte[][] tokens = [.. texts.Select(t => System.Text.Encoding.UTF8.GetBytes(t))];
        var tokenizer = new Llama2cTokenizer(tokens, [.. tokens.Select(_ => 0f)]);
        int once = 259, upon = 260, newline = 3 + 0x0A, control = 3 + 0x01, lone = 3 + 0xE4, letterA = 3 + 0x41;
        var output = new List<byte>();
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: 1, next: once);      // after <s>: the leading space is dropped
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: once, next: upon);   // " upon"
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: upon, next: newline); // <0x0A> → newline
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: newline, next: control); // <0x01>: unprintable, nothing
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: control, next: lone);    // lone 0xE4: nothing
        Llama2cParityBench.AppendAsRunPrints(output, tokenizer, previous: lone, next: letterA);    // <0x41> → 'A'
        Assert.Equal("Once upon\nA", System.Text.Encoding.UTF8.GetString([.. output]));
    }

    [Fact]
    public void InferenceCommandsNeedATokenizerForALlama2cFile()
    {
        var bin = RandomBin("g.bin", 0);
        var e = Assert.Throws<CliException>(() => GenerateModelLoader.Load(bin));
        Assert.Contains("--tokenizer", e.Message);
    }
}
