using System.CommandLine;
using SharpLM.Cli;
using SharpLM.Cli.Commands;

namespace SharpLM.Tests.Training;

[Collection("Console")]
public sealed class QuickstartTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-quickstart-" + Guid.NewGuid().ToString("N"));

    public QuickstartTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void DocumentationXmlBecomesPlainSentences()
    {
        var xml = Path.Combine(_root, "Doc.xml");
        File.WriteAllText(xml, """
            <?xml version="1.0" encoding="utf-8"?>
            <doc><members>
              <member name="M:System.String.Split(System.Char)">
                <summary>Splits a string into substrings based on a <see cref="T:System.Char" />; returns <see langword="null" /> when
                  <paramref name="separator" /> is   empty &amp; the <c>count</c> is &lt; 1.</summary>
                <remarks><para>Use <see cref="M:System.String.Join(System.String,System.String[])" /> to join them again.</para><code>var x = 1;</code></remarks>
                <returns>An array whose elements contain the substrings.</returns>
              </member>
              <member name="M:Other"><summary>Splits a string into substrings based on a <see cref="T:System.Char" />; returns <see langword="null" /> when <paramref name="separator" /> is empty &amp; the <c>count</c> is &lt; 1.</summary></member>
            </members></doc>
            """);
        var text = QuickstartCorpus.Extract([xml], 10_000, seed: 1);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // the duplicate summary is dropped
        Assert.Contains("Splits a string into substrings based on a Char; returns null when separator is empty & the count is < 1.", lines);
        Assert.Contains("Use String.Join to join them again.", lines);
        Assert.Contains("An array whose elements contain the substrings.", lines);
        Assert.DoesNotContain("var x", text);
    }

    [Fact]
    public void TheSdkDocumentationIsFoundOnThisMachine()
    {
        // Tests run under the .NET SDK, so its reference packs are installed.
        var files = QuickstartCorpus.FindDocumentationFiles();
        Assert.NotEmpty(files);
        Assert.Contains(files, f => Path.GetFileName(f) == "System.Runtime.xml");
        var text = QuickstartCorpus.Extract(files.Where(f => Path.GetFileName(f) == "System.Collections.xml"), 200_000, seed: 1);
        Assert.True(text.Length > 20_000, $"only {text.Length} characters extracted");
        Assert.Contains("Initializes a new instance of the", text);
        Assert.DoesNotContain("<see", text);
    }

    [Fact]
    public void QuickstartOnUserDataTrainsSavesAndSamples()
    {
        var data = Path.Combine(_root, "mine.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Range(0, 400).Select(i => $"line {i % 7}: the cat sat on the mat.\n")));
        string run = Path.Combine(_root, "qs");
        var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try
        {
            var parsed = Program.BuildRoot().Parse(["quickstart", "--data", data, "--out", run, "--max-steps", "3", "--vocab", "300", "--batch-size", "2", "--eval-batches", "1", "--threads", "1"]);
            Assert.Empty(parsed.Errors);
            Assert.Equal(0, parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        }
        finally { Console.SetOut(saved); }
        var log = output.ToString();
        Assert.Contains("val loss before training", log);
        Assert.Contains("samples", log);
        Assert.Contains("  > line ", log); // prompts are taken from the held-out lines
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "tokenizer.json")));
    }
}
