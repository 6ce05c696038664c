using System.Text.Json;
using System.Xml.Linq;
using SharpLM.Experiments;

namespace SharpLM.Tests.Experiments;

public class LongRangeExperimentTests
{
    [Fact]
    public void QuickRunWritesAWellFormedReportAndShowsTheEffect()
    {
        var options = LongRangeOptions.Quick with { Seed = 3 };
        var results = LongRangeExperiment.Run(options);
        string dir = Path.Combine(Path.GetTempPath(), "sharplm-long-range-" + Guid.NewGuid().ToString("N"));
        try
        {
            LongRangeReport.Write(results, dir);

            // The HTML is well-formed XHTML with one SVG chart for accuracy and one for gradient norms.
            var html = XDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.html")));
            XNamespace svg = "http://www.w3.org/2000/svg";
            var charts = html.Descendants(svg + "svg").ToList();
            Assert.Equal(2, charts.Count);
            Assert.True(charts[0].Descendants(svg + "polyline").Count() >= 4, "accuracy chart: a line per model plus chance");
            Assert.Equal(4, charts[1].Descendants(svg + "polyline").Count());

            // The JSON holds every (model, k) run and the gradient profiles.
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            var root = json.RootElement;
            Assert.Equal("long-range", root.GetProperty("experiment").GetString());
            Assert.Equal(options.Ks.Count * 3, root.GetProperty("runs").GetArrayLength());
            foreach (var run in root.GetProperty("runs").EnumerateArray())
            {
                Assert.Contains(run.GetProperty("model").GetString(), LongRangeExperiment.Models);
                double acc = run.GetProperty("accuracy").GetDouble();
                Assert.InRange(acc, 0, 1);
                Assert.True(run.GetProperty("parameters").GetInt64() > 0);
            }
            var grads = root.GetProperty("gradient_norms");
            Assert.Equal(2, grads.GetArrayLength());
            Assert.Equal(options.Ks.Max() + 1, grads[0].GetProperty("at_init").GetArrayLength());
        }
        finally { Directory.Delete(dir, recursive: true); }

        // The effect: at the largest k the transformer recalls the key and beats the Elman RNN, which is near chance.
        int maxK = options.Ks.Max();
        double Acc(string model, int k) => results.Runs.Single(r => r.Model == model && r.K == k).Accuracy;
        Assert.True(Acc("Transformer", maxK) >= 0.9, $"transformer at k={maxK}: {Acc("Transformer", maxK)}");
        Assert.True(Acc("Transformer", maxK) > Acc("RNN", maxK) + 0.3, $"k={maxK}: transformer {Acc("Transformer", maxK)} vs RNN {Acc("RNN", maxK)}");
        Assert.True(Acc("RNN", options.Ks.Min()) >= 0.9, "the RNN solves the short distance, so the failure is about distance");

        // Vanishing gradients: the RNN's input gradient from the key (far) is smaller than from the last distractor (near).
        var rnn = results.Gradients.Single(g => g.Model == "RNN");
        Assert.True(rnn.Trained[^1] < rnn.Trained[0], $"RNN trained: far {rnn.Trained[^1]} vs near {rnn.Trained[0]}");
        Assert.True(rnn.AtInit[^1] < rnn.AtInit[0], $"RNN init: far {rnn.AtInit[^1]} vs near {rnn.AtInit[0]}");
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => LongRangeExperiment.Run(LongRangeOptions.Quick with { Ks = [0] }));
        Assert.Contains("k = 0", e.Message);
    }
}
