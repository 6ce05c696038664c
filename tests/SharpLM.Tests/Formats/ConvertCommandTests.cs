using SharpLM.Cli;
using SharpLM.Cli.Commands;
using SharpLM.Models;

namespace SharpLM.Tests.Formats;

public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-convert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LlmcToRunFolderAndBackIsByteIdentical()
    {
        var bin = Path.Combine(_dir, "gpt2_124M.bin");
        File.WriteAllBytes(bin, LlmcTests.LlmcBytes());
        var run = Path.Combine(_dir, "runs", "x");
        ConvertCommand.Run(bin, "llmc", "hf", run, tokenizerPath: null);

        var fromRun = GptHuggingFace.Load(run);
        var fromBin = GptLlmc.Load(bin);
        Assert.Equal(fromBin.Config, fromRun.Config);
        foreach (var ((name, a), (_, b)) in fromBin.NamedParameters().Zip(fromRun.NamedParameters()))
            Assert.True(a.Data.Span.SequenceEqual(b.Data.Span), name);

        var back = Path.Combine(_dir, "back.bin");
        ConvertCommand.Run(run, "hf", "llmc", back, tokenizerPath: null);
        Assert.Equal(File.ReadAllBytes(bin), File.ReadAllBytes(back));
    }

    [SharedDataFact]
    public void TokenizerIsStoredBesideTheWeightsWhenItFitsTheVocabulary()
    {
        // A tiny model with GPT-2's vocabulary (V 50257, Vp 50304) written as llm.c would.
        var bytes = new byte[1024 + 4 * new SharpLM.Formats.LlmcHeader(3, 8, 50257, 1, 1, 4, 50304).ParameterCount];
        int[] header = [20240326, 3, 8, 50257, 1, 1, 4, 50304];
        for (int i = 0; i < header.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), header[i]);
        var bin = Path.Combine(_dir, "v50257.bin");
        File.WriteAllBytes(bin, bytes);
        var run = Path.Combine(_dir, "run");
        ConvertCommand.Run(bin, "llmc", "hf", run, Path.Combine(SharedData.Directory!, "data", "gpt2"));
        var tokenizer = SharpLM.Tokenizers.TokenizerFiles.Load(Path.Combine(run, "tokenizer.json"));
        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal(50257, GptHuggingFace.Load(run).Config.VocabSize);

        // A tokenizer whose size differs from the model's vocabulary is refused.
        File.WriteAllBytes(bin, LlmcTests.LlmcBytes());
        var e = Assert.Throws<CliException>(() => ConvertCommand.Run(bin, "llmc", "hf", Path.Combine(_dir, "run2"), Path.Combine(SharedData.Directory!, "data", "gpt2")));
        Assert.Contains("50257", e.Message);
    }

    [Fact]
    public void BadArgumentsAreUserErrors()
    {
        Assert.Contains("--from", Assert.Throws<CliException>(() => ConvertCommand.Run(_dir, "onnx", "hf", _dir, null)).Message);
        Assert.Contains("--to", Assert.Throws<CliException>(() => ConvertCommand.Run(_dir, "hf", "onnx", _dir, null)).Message);
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => ConvertCommand.Run(Path.Combine(_dir, "none.bin"), "llmc", "hf", _dir, null)).Message);
        var bad = Path.Combine(_dir, "bad.bin");
        File.WriteAllBytes(bad, new byte[2048]);
        Assert.Contains("magic", Assert.Throws<CliException>(() => ConvertCommand.Run(bad, "llmc", "hf", Path.Combine(_dir, "o"), null)).Message);
        var tok = Path.Combine(_dir, "gpt2_tokenizer.bin");
        File.WriteAllBytes(tok, [0xC8, 0xD7, 0x34, 0x01, 0, 0, 0, 0]); // 20240328 little-endian: llm.c's tokenizer magic
        Assert.Contains("llm.c's tokenizer", Assert.Throws<CliException>(() => ConvertCommand.Run(bad, "llmc", "hf", Path.Combine(_dir, "o"), tok)).Message);
    }
}
