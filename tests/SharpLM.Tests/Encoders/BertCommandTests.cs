using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

/// <summary>The encoder's commands end to end, in-process, on generated data whose answer is known.</summary>
[Collection("Console")]
public sealed class BertCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharplm-bertcli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static int Invoke(params string[] args) => CliInvocation.Invoke(args);

    private static readonly string[] Fillers = ["the", "a", "value", "returns", "gets", "sets", "of", "when", "is", "to", "and", "in"];
    private static readonly string[] Types = ["string", "stream", "socket", "buffer"];
    private static readonly string[] Keywords = ["null", "true", "false"];

    /// <summary>A small BERT folder (random weights) with a WordPiece vocabulary trained on the generated words.</summary>
    private string ModelFolder()
    {
        var dir = Path.Combine(_root, "base");
        var tok = WordPieceTrainer.Train([string.Join(' ', Fillers.Concat(Types).Concat(Keywords).Concat(["positive", "negative"]))], 200);
        var config = new BertConfig { VocabSize = tok.VocabSize, Width = 32, Layers = 1, Heads = 2, Intermediate = 64, MaxPositions = 64, Dropout = 0 };
        new Bert(config, BertTask.PreTraining, seed: 1).Save(dir);
        TokenizerFiles.Save(tok, Path.Combine(dir, "tokenizer.json"));
        return dir;
    }

    private static string Sentence(Rng rng, out string[] words, out string[] tags)
    {
        var w = new List<string>();
        var t = new List<string>();
        for (int i = 0; i < 6 + rng.NextInt(4); i++)
        {
            double r = rng.NextDouble();
            if (r < 0.15) { w.Add(Types[rng.NextInt(Types.Length)]); t.Add("B-TYPE"); }
            else if (r < 0.25) { w.Add(Keywords[rng.NextInt(Keywords.Length)]); t.Add("B-KEYWORD"); }
            else { w.Add(Fillers[rng.NextInt(Fillers.Length)]); t.Add("O"); }
        }
        words = w.ToArray();
        tags = t.ToArray();
        return string.Join(' ', words);
    }

    [Fact]
    public void FinetuneNerLearnsGeneratedEntitiesAndTheNerCommandFindsThem()
    {
        var model = ModelFolder();
        var rng = new Rng(2);
        string Conll(string name, int n)
        {
            var path = Path.Combine(_root, name);
            ConllFile.Write(path, Enumerable.Range(0, n).Select(_ => { Sentence(rng, out var w, out var t); return new TaggedSentence(w, t); }).ToList());
            return path;
        }
        var train = Conll("train.conll", 300);
        var eval = Conll("eval.conll", 60);
        var run = Path.Combine(_root, "ner");
        Assert.Equal(0, Invoke("finetune", "ner", "--model", model, "--init", "random", "--train", train, "--eval", eval, "--out", run,
            "--max-steps", "80", "--batch-size", "16", "--lr", "3e-3", "--eval-every", "40", "--threads", "2"));
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "eval_metrics.json"))).RootElement;
        Assert.True(metrics.GetProperty("entity_f1").GetDouble() > 0.9, $"entity F1 {metrics.GetProperty("entity_f1").GetDouble():F3}");
        Assert.Contains("FB1", File.ReadAllText(Path.Combine(run, "eval_report.txt")));

        var tagger = BertHuggingFace.Load(run);
        Assert.Equal(BertTask.TokenClassification, tagger.Task);
        Assert.Equal(["O", "B-KEYWORD", "B-TYPE"], tagger.Labels);
        var found = new BertPipeline(tagger, WordPieceVocabFile.LoadFolder(run)).Tag("gets the stream when value is null");
        Assert.Equal([("stream", "TYPE"), ("null", "KEYWORD")], found.Select(f => (f.Text, f.Type)));
        Assert.Equal(0, Invoke("ner", "--model", run, "--text", "gets the stream when value is null"));
    }

    [Fact]
    public void FinetuneClassifyLearnsAGeneratedRuleAndRejectsUnseenEvalLabels()
    {
        var model = ModelFolder();
        var rng = new Rng(3);
        // Label: whether the text mentions a keyword (null/true/false) at all.
        string Jsonl(string name, int n)
        {
            var path = Path.Combine(_root, name);
            var rows = Enumerable.Range(0, n).Select(i =>
            {
                string text = Sentence(rng, out _, out var tags);
                return new LabeledText(text, null, tags.Contains("B-KEYWORD") ? "positive" : "negative");
            });
            LabeledTextFile.WriteJsonl(path, rows);
            return path;
        }
        var train = Jsonl("train.jsonl", 400);
        var eval = Jsonl("eval.jsonl", 100);
        var run = Path.Combine(_root, "cls");
        Assert.Equal(0, Invoke("finetune", "classify", "--model", model, "--init", "random", "--train", train, "--eval", eval, "--out", run,
            "--max-steps", "100", "--batch-size", "16", "--lr", "3e-3", "--eval-every", "50", "--threads", "2"));
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "eval_metrics.json"))).RootElement;
        Assert.True(metrics.GetProperty("accuracy").GetDouble() > 0.9, $"accuracy {metrics.GetProperty("accuracy").GetDouble():F3}");
        Assert.Contains("confusion matrix", File.ReadAllText(Path.Combine(run, "eval_report.txt")));
        Assert.Equal(0, Invoke("classify", "--model", run, "--text", "the value is null"));

        var odd = Path.Combine(_root, "odd.jsonl");
        File.WriteAllText(odd, "{\"text\":\"the string\",\"label\":\"negative\"}\n{\"text\":\"a stream\",\"label\":\"maybe\"}\n");
        var e = Assert.Throws<CliException>(() => Invoke("finetune", "classify", "--model", model, "--train", train, "--eval", odd, "--out", Path.Combine(_root, "odd"), "--max-steps", "1"));
        Assert.Contains("line 2: label 'maybe' never occurs in the training data", e.Message);
    }

    [Fact]
    public void PretrainRunsResumesAndLoadsBack()
    {
        var rng = new Rng(4);
        var docs = Enumerable.Range(0, 24).Select(d => string.Join('\n', Enumerable.Range(0, 4).Select(j => Sentence(rng, out _, out _))));
        var data = Path.Combine(_root, "pre.txt");
        File.WriteAllText(data, string.Join("\n\n", docs) + "\n");
        var run = Path.Combine(_root, "pre");
        string[] Args(int steps, params string[] extra) => ["pretrain", "--data", data, "--out", run, "--tokenizer", "wordpiece:150", "--preset", "bert-tiny",
            "--layers", "1", "--width", "32", "--block-size", "32", "--batch-size", "8", "--max-steps", steps.ToString(), "--eval-every", "3", "--eval-batches", "2",
            "--warmup", "1", "--save-every", "3", "--val-fraction", "0.2", "--threads", "1", .. extra];
        Assert.Equal(0, Invoke(Args(6)));
        var lines = File.ReadAllLines(Path.Combine(run, MetricsLog.FileName));
        Assert.Contains(lines, l => l.Contains("val_mlm_accuracy") && l.Contains("val_nsp_accuracy"));
        Assert.True(File.Exists(Path.Combine(run, "loss.svg")));
        Assert.True(File.Exists(Path.Combine(run, "vocab.txt")));
        var model = BertHuggingFace.Load(run);
        Assert.Equal(BertTask.PreTraining, model.Task);
        Assert.Equal(0, Invoke(["pretrain", "--data", data, "--out", run, "--resume"]));   // already at its last step: loads and ends
        Assert.Contains("--resume", Assert.Throws<CliException>(() => Invoke(Args(6))).Message);  // refuses to overwrite silently
        Assert.Equal(0, Invoke("fill-mask", "--model", run, "--text", "the [MASK] is null"));
        Assert.Equal(0, Invoke("embed", "--model", run, "--text", "the string", "a stream"));
    }

    [Fact]
    public void RegisterJoinsOtherFamiliesParentsInsteadOfDuplicatingThem()
    {
        var root = new RootCommand();
        foreach (var name in new[] { "pretrain", "finetune", "data" }) root.Subcommands.Add(new Command(name));
        SharpLM.Cli.Commands.BertCommands.Register(root);
        Assert.Equal(root.Subcommands.Count, root.Subcommands.Select(c => c.Name).Distinct().Count());
        Assert.Equal(["bert"], root.Subcommands.Single(c => c.Name == "pretrain").Subcommands.Select(c => c.Name));
        Assert.Equal(["classify", "ner"], root.Subcommands.Single(c => c.Name == "finetune").Subcommands.Select(c => c.Name));
        Assert.Equal(["sdk-ner", "sdk-classify", "sdk-pretrain"], root.Subcommands.Single(c => c.Name == "data").Subcommands.Select(c => c.Name));
    }
}
