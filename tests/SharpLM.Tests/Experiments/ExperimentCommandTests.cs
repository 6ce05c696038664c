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
}
