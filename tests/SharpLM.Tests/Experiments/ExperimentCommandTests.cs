using System.Text.Json;
using System.Xml.Linq;

namespace SharpLM.Tests.Experiments;

/// <summary>The <c>sharplm experiment</c> sub-commands, run through the real command line on a small text file.</summary>
public class ExperimentCommandTests
{
    private static void WithTextFile(Action<string, string> run)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sharplm-experiment-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string data = Path.Combine(dir, "text.txt");
            File.WriteAllText(data, AttentionRankExperimentTests.SampleText());
            run(data, Path.Combine(dir, "report"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static JsonDocument ReadReport(string dir, string experiment)
    {
        XDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.html")));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
        Assert.Equal(experiment, json.RootElement.GetProperty("experiment").GetString());
        return json;
    }

    [Fact]
    public void AttentionRankWritesItsReport() => WithTextFile((data, outDir) =>
    {
        Assert.Equal(0, CliInvocation.Invoke("experiment", "attention-rank", "--quick", "--steps", "10", "--seed", "4", "--data", data, "--out", outDir));
        using var json = ReadReport(outDir, "attention-rank");
        Assert.Equal(4UL, json.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(10, json.RootElement.GetProperty("steps").GetInt32());
    });

    [Fact]
    public void AMissingDataFileIsNamed()
    {
        var e = Assert.Throws<SharpLM.Cli.CliException>(() => CliInvocation.Invoke("experiment", "attention-rank", "--quick", "--data", "/nonexistent/text.txt", "--out", "unused"));
        Assert.Contains("/nonexistent/text.txt", e.Message);
    }

    [Fact]
    public void Seq2SeqAttentionReadsAPairsFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sharplm-experiment-pairs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string pairs = Path.Combine(dir, "pairs.tsv");
            var rng = new SharpLM.Tensors.Rng(3);
            File.WriteAllLines(pairs, Enumerable.Range(0, 60).Select(_ =>
            {
                var w = new string(Enumerable.Range(0, 3 + rng.NextInt(4)).Select(_ => (char)('a' + rng.NextInt(6))).ToArray());
                return w + "\t" + w.ToUpperInvariant();
            }));
            string outDir = Path.Combine(dir, "report");
            Assert.Equal(0, CliInvocation.Invoke("experiment", "seq2seq-attention", "--quick", "--steps", "5", "--pairs", pairs, "--out", outDir));
            using var json = ReadReport(outDir, "seq2seq-attention");
            Assert.Equal("pairs.tsv", json.RootElement.GetProperty("task").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("runs").GetArrayLength());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
