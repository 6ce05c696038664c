using System.CommandLine;
using SharpLM.Cli;
using SharpLM.Models;
using SharpLM.Training;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>The encoder-decoder commands end to end on tiny data: pretrain + resume, fine-tune + score, generate with beams and a cross-attention map.</summary>
[Collection("Console")]
public sealed class Seq2SeqCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-seq2seqcli-" + Guid.NewGuid().ToString("N"));

    public Seq2SeqCliTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static int Invoke(params string[] args)
    {
        var parsed = Program.BuildRoot().Parse(args);
        Assert.Empty(parsed.Errors);
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try { return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = TextWriter.Null }); }
        finally { Console.SetOut(stdout); }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly string[] Small = ["--threads", "1", "--tokenizer", "bpe:400", "--batch-size", "4", "--warmup", "1"];

    [Theory]
    [InlineData("t5", "t5-tiny")]
    [InlineData("bart", "bart-tiny")]
    public void PretrainSavesAHuggingFaceFolderAndResumes(string arch, string preset)
    {
        var text = Write("text.txt", string.Concat(Enumerable.Range(0, 80).Select(i => $"The program number {i} prints its files. It stops when done.\n")));
        var run = Path.Combine(_root, arch);
        Assert.Equal(0, Invoke(["pretrain", "seq2seq", "--arch", arch, "--preset", preset, "--data", text, "--out", run, "--block-size", "24", "--max-steps", "2", "--eval-every", "1", .. Small]));
        Assert.True(EncoderDecoderHuggingFace.IsEncoderDecoderFolder(run));
        var state = Checkpoint.ReadState(run);
        Assert.Equal(arch == "t5" ? "span-corruption" : "denoising", state.Objective);
        var before = EncoderDecoderHuggingFace.Load(run).Shared.Weight.Data.ToArray();
        // Resume to a later step: the same run continues (the options saved with it are used).
        var statePath = Path.Combine(run, TrainerState.FileName);
        File.WriteAllText(statePath, File.ReadAllText(statePath).Replace("\"max_steps\": 2", "\"max_steps\": 3"));
        Assert.Equal(0, Invoke("pretrain", "seq2seq", "--data", text, "--out", run, "--resume", "--threads", "1"));
        Assert.Equal(3, Checkpoint.ReadState(run).Step);
        Assert.NotEqual(before, EncoderDecoderHuggingFace.Load(run).Shared.Weight.Data.ToArray());
    }

    [Fact]
    public void FinetuneScoresHeldOutAndSeq2SeqGeneratesWithBeamsAndMaps()
    {
        var pairs = string.Concat(Enumerable.Range(0, 40).Select(i => $"open file {i}\tDatei {i} öffnen\n"));
        var train = Write("train.tsv", pairs);
        var eval = Write("eval.tsv", "open file 7\tDatei 7 öffnen\nopen file 3\tDatei 3 öffnen\n");
        var run = Path.Combine(_root, "ft");
        Assert.Equal(0, Invoke(["finetune", "seq2seq", "--preset", "t5-tiny", "--train", train, "--eval", eval, "--out", run,
            "--prefix", "translate English to German: ", "--max-steps", "3", "--eval-every", "3", "--max-length", "8", .. Small]));
        var report = File.ReadAllText(Path.Combine(run, "eval.json"));
        Assert.Contains("\"chrf\"", report);
        Assert.Contains("\"bleu\"", report);
        var map = Path.Combine(_root, "map.svg");
        Assert.Equal(0, Invoke("translate", "--model", run, "--text", "open file 9", "--prefix", "translate English to German: ", "--beams", "2", "--max-length", "6", "--threads", "1"));
        Assert.Equal(0, Invoke("seq2seq", "--model", run, "--text", "open file 9", "--max-length", "5", "--attention-map", map, "--threads", "1"));
        Assert.Contains("<svg", File.ReadAllText(map));
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        var noTab = Write("bad.tsv", "only a source\n");
        var e = Assert.Throws<CliException>(() => Invoke("finetune", "seq2seq", "--preset", "t5-tiny", "--train", noTab, "--out", Path.Combine(_root, "x")));
        Assert.Contains("bad.tsv:1", e.Message);
        Assert.Contains("no tab", e.Message);
        var missing = Assert.Throws<CliException>(() => Invoke("seq2seq", "--model", Path.Combine(_root, "nope"), "--text", "hi"));
        Assert.Contains("does not exist", missing.Message);
        var noCatalogs = Assert.Throws<CliException>(() => Invoke("data", "gettext", "--lang", "ko", "--locale-dir", _root, "--out", Path.Combine(_root, "d")));
        Assert.Contains("no gettext catalogs", noCatalogs.Message);
    }
}
