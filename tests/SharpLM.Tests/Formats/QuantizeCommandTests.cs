using System.Text;
using SharpLM.Cli;
using SharpLM.Cli.Commands;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tests.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Formats;

public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-quantize-" + Guid.NewGuid().ToString("N"));

    public QuantizeCommandTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A byte-level BPE: the 256 bytes (in GPT-2's byte order), three merges and <|endoftext|>.
    internal static BpeTokenizer SmallBpe()
    {
        var bytes = new List<byte[]?>();
        foreach (byte b in ByteLevelAlphabet.Gpt2ByteOrder) bytes.Add([b]);
        int Id(char c) => bytes.FindIndex(x => x!.Length == 1 && x[0] == (byte)c);
        int th = bytes.Count; bytes.Add("th"u8.ToArray());
        int he = bytes.Count; bytes.Add(" t"u8.ToArray());
        int the = bytes.Count; bytes.Add("the"u8.ToArray());
        var merges = new[] { new BpeMerge(Id('t'), Id('h'), th, 0), new BpeMerge(Id(' '), Id('t'), he, 1), new BpeMerge(th, Id('e'), the, 2) };
        return new BpeTokenizer(bytes, merges, PreTokenizer.Gpt2, new Dictionary<string, int> { ["<|endoftext|>"] = bytes.Count });
    }

    [Fact]
    public void Gguf_to_run_folder_to_quantized_gguf_keeps_model_and_tokenizer()
    {
        var tokenizer = SmallBpe();
        var model = GptGgufTests.RandomModel(GptGgufTests.Gpt2Shape() with { VocabSize = tokenizer.VocabSize, Width = 64 }, 4);
        string gguf = Path.Combine(_dir, "m.gguf"), folder = Path.Combine(_dir, "run"), q8 = Path.Combine(_dir, "m.q8_0.gguf");
        GptGguf.Save(model, gguf, QuantType.F32, w => GgufTokenizer.Write(w, tokenizer));

        QuantizeCommand.Convert(gguf, folder, toGguf: false);
        Assert.True(File.Exists(Path.Combine(folder, "tokenizer.json")));
        QuantizeCommand.Run(folder, "q8_0", q8);

        using var file = GgufFile.Open(q8);
        Assert.Equal(QuantType.Q8_0, file.Info("blk.0.ffn_up.weight").Type);
        Assert.Equal(7u, (uint)file.Require("general.file_type").Value);
        var back = GgufTokenizer.Read(file);
        const string text = "the other three thought the truth<|endoftext|>";
        Assert.Equal(tokenizer.Encode(text, allowSpecial: true), back.Encode(text, allowSpecial: true));
        Assert.Equal(QuantCodec.Quantize(QuantType.Q8_0, model.Blocks[1].Mlp.Up.Weight.Data.Span), file.Bytes(file.Info("blk.1.ffn_up.weight")).ToArray());

        var (generator, tok) = GenerateModelLoader.LoadTextGenerator(q8);
        Assert.NotNull(generator.Generator.Quantized);
        Assert.Equal(tokenizer.VocabSize, tok.VocabSize);
        generator.Generator.Quantized!.Dispose();
    }

    [Fact]
    public void Requantizing_a_gguf_reproduces_a_direct_save_byte_for_byte()
    {
        var model = GptGgufTests.RandomModel(GptGgufTests.Llama(width: 256), 9);
        string f32 = Path.Combine(_dir, "a.gguf"), direct = Path.Combine(_dir, "direct.gguf"), requant = Path.Combine(_dir, "requant.gguf");
        GptGguf.Save(model, f32, QuantType.F32);
        GptGguf.Save(model, direct, QuantType.Q4_K);
        QuantizeCommand.Run(f32, "q4_k", requant);
        Assert.Equal(File.ReadAllBytes(direct), File.ReadAllBytes(requant));
    }

    [Fact]
    public void Bad_arguments_fail_with_clear_messages_and_write_nothing()
    {
        string output = Path.Combine(_dir, "out.gguf");
        Assert.Contains("q4_k", Assert.Throws<CliException>(() => QuantizeCommand.Run(Path.Combine(_dir, "x.gguf"), "q3", output)).Message);
        Assert.Contains("does not exist", Assert.Throws<CliException>(() => QuantizeCommand.Run(Path.Combine(_dir, "missing.gguf"), "q8_0", output)).Message);
        string garbage = Path.Combine(_dir, "garbage.gguf");
        File.WriteAllBytes(garbage, Encoding.ASCII.GetBytes("GGUF this is not really a gguf file at all"));
        Assert.Contains(garbage, Assert.Throws<CliException>(() => QuantizeCommand.Run(garbage, "q8_0", output)).Message);
        Assert.False(File.Exists(output));
    }
}
