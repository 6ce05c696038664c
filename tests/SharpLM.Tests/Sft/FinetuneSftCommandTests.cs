using System.Text.Json.Nodes;
using SharpLM.Chat;
using SharpLM.Cli;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Sft;

/// <summary>`sharplm finetune sft` and decoder `finetune classify` end to end through the real CLI.</summary>
[Collection("Console")]
public sealed class FinetuneSftCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-sftcli-" + Guid.NewGuid().ToString("N"));

    public FinetuneSftCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>A random-init decoder folder (config.json, model.safetensors, tokenizer.json) over a char tokenizer of <paramref name="texts"/>.</summary>
    private string DecoderFolder(string name, IEnumerable<string> texts, int blockSize = 128)
    {
        var tok = CharTokenizer.Train(texts, ["<|endoftext|>"]);
        var model = new Gpt(new GptConfig { VocabSize = tok.VocabSize, BlockSize = blockSize, Layers = 2, Heads = 2, Width = 48 }, 21);
        string dir = Path.Combine(_root, name);
        model.Save(dir);
        TokenizerFiles.Save(tok, Path.Combine(dir, "tokenizer.json"));
        return dir;
    }

    [Fact]
    public void FinetuneSftTunesARunFolderThatAnswersBetterThanTheBase()
    {
        var words = SftLearningTests.Words(60, 8);
        string train = Path.Combine(_root, "train.jsonl"), eval = Path.Combine(_root, "eval.jsonl");
        InstructionFile.Write(train, words[..45].Select(SftLearningTests.Chat));
        // Held-out chats in the Alpaca shape: the same reader takes both.
        File.WriteAllLines(eval, words[45..].Select(w => new JsonObject { ["instruction"] = $"What does {w} do?", ["output"] = $"It returns the {w} value." }.ToJsonString()));
        var template = ChatTemplates.Get("chatml");
        string model = DecoderFolder("base", words.Select(w => template.Render(SftLearningTests.Chat(w).Messages, false)));
        string run = Path.Combine(_root, "run");
        Assert.Equal(0, CliInvocation.Invoke("finetune", "sft", "--model", model, "--data", train, "--eval", eval, "--out", run,
            "--max-steps", "200", "--batch-size", "16", "--lr", "3e-3", "--eval-every", "100", "--score", "8", "--max-new-tokens", "32", "--threads", "1"));

        foreach (var f in new[] { "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "metrics.jsonl", "loss.svg", "trainer_state.json", "eval_metrics.json", "eval_answers.jsonl" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Equal("chatml", ChatTemplates.ForModelOrNull(run)?.Name);
        var m = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "eval_metrics.json")))!;
        Assert.True((double)m["answer_loss_after"]! < 0.5 * (double)m["answer_loss_before"]!, m.ToJsonString());
        Assert.True((double)m["tuned_rouge_l"]! > (double)m["base_rouge_l"]! + 30, m.ToJsonString());

        // The run folder is a model like any other: generate --template auto renders the prompt as a user turn.
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(o); Console.SetError(e);
            Assert.Equal(0, CliInvocation.Invoke("generate", "--model", run, "--template", "auto", "--prompt", $"What does {words[50]} do?", "--temperature", "0", "--max-tokens", "32", "--threads", "1"));
        }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        Assert.Contains("chat template: chatml", e.ToString());
        Assert.StartsWith("It returns the", o.ToString().Trim());
    }

    [Fact]
    public void FinetuneSftWithLoraSavesThePeftAdapterAndBadInputIsAClearError()
    {
        var words = SftLearningTests.Words(20, 9);
        string train = Path.Combine(_root, "train.jsonl");
        InstructionFile.Write(train, words.Select(SftLearningTests.Chat));
        var template = ChatTemplates.Get("chatml");
        string model = DecoderFolder("base", words.Select(w => template.Render(SftLearningTests.Chat(w).Messages, false)));
        string run = Path.Combine(_root, "lora");
        Assert.Equal(0, CliInvocation.Invoke("finetune", "sft", "--model", model, "--data", train, "--out", run, "--lora", "r=4,alpha=8,targets=c_attn",
            "--max-steps", "3", "--batch-size", "4", "--threads", "1"));
        Assert.True(File.Exists(Path.Combine(run, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(run, "adapter_model.safetensors")));
        Assert.NotNull(GptHuggingFace.Load(run));

        // A conversation over the context names its file and line; so does a bad record; a bad LoRA spec names --lora.
        string small = DecoderFolder("small", words.Select(w => template.Render(SftLearningTests.Chat(w).Messages, false)), blockSize: 32);
        var e = Assert.Throws<CliException>(() => CliInvocation.Invoke("finetune", "sft", "--model", small, "--data", train, "--out", Path.Combine(_root, "x"), "--max-steps", "1"));
        Assert.Contains($"{train}:1:", e.Message);
        Assert.Contains("--truncate", e.Message);
        string bad = Path.Combine(_root, "bad.jsonl");
        File.WriteAllLines(bad, [File.ReadLines(train).First(), """{"messages":[{"role":"user","content":"hi"}]}"""]);
        e = Assert.Throws<CliException>(() => CliInvocation.Invoke("finetune", "sft", "--model", model, "--data", bad, "--out", Path.Combine(_root, "y"), "--max-steps", "1"));
        Assert.Contains($"{bad}:2:", e.Message);
        e = Assert.Throws<CliException>(() => CliInvocation.Invoke("finetune", "sft", "--model", model, "--data", train, "--out", Path.Combine(_root, "z"), "--lora", "r=banana", "--max-steps", "1"));
        Assert.Contains("--lora", e.Message);
    }

    [Fact]
    public void FinetuneClassifyOnADecoderFolderLearnsWellAboveChance()
    {
        // Three classes told apart by which kind of word a sentence holds, among filler words; held-out sentences are new combinations.
        string[][] kinds = [["cat", "dog", "cow", "hen"], ["red", "blue", "pink", "gray"], ["one", "two", "six", "ten"]];
        string[] labels = ["animal", "colour", "number"];
        string[] filler = ["the", "a", "is", "here", "we", "saw", "it", "on", "by"];
        var rng = new Random(4);
        LabeledText Row()
        {
            int k = rng.Next(3);
            var w = Enumerable.Range(0, 5).Select(_ => filler[rng.Next(filler.Length)]).ToList();
            w.Insert(rng.Next(w.Count + 1), kinds[k][rng.Next(4)]);
            return new LabeledText(string.Join(' ', w), null, labels[k]);
        }
        var trainRows = Enumerable.Range(0, 300).Select(_ => Row()).ToList();
        var evalRows = Enumerable.Range(0, 90).Select(_ => Row()).ToList();
        string train = Path.Combine(_root, "train.jsonl"), eval = Path.Combine(_root, "eval.jsonl");
        LabeledTextFile.WriteJsonl(train, trainRows);
        LabeledTextFile.WriteJsonl(eval, evalRows);
        string model = DecoderFolder("decoder", trainRows.Concat(evalRows).Select(r => r.Text), blockSize: 64);
        string run = Path.Combine(_root, "classify");
        Assert.Equal(0, CliInvocation.Invoke("finetune", "classify", "--model", model, "--train", train, "--eval", eval, "--out", run,
            "--max-steps", "150", "--batch-size", "16", "--lr", "2e-3", "--eval-every", "150", "--threads", "1"));
        var m = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "eval_metrics.json")))!;
        Assert.True((double)m["accuracy"]! > 0.8, m.ToJsonString());
        Assert.True((double)m["macro_f1"]! > 0.8, m.ToJsonString());
        Assert.Contains("confusion matrix", File.ReadAllText(Path.Combine(run, "eval_report.txt")));

        // The saved classifier loads back with its labels and pooling.
        var loaded = DecoderClassifier.Load(run);
        Assert.Equal(labels, loaded.Labels);
        Assert.Equal(ClassifierPooling.Last, loaded.Pooling);
    }
}
