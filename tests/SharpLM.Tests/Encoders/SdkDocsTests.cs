using System.Xml.Linq;
using SharpLM.Cli.Commands;
using SharpLM.Cli.Data;

namespace SharpLM.Tests.Encoders;

public class SdkDocsTests
{
    [Fact]
    public void MarkupBecomesEntitySpansOfTheShownText()
    {
        var summary = XElement.Parse("""
            <summary>Returns the <see cref="T:System.String" /> in <paramref name="value" />,
              or <see langword="null" />. See <see cref="M:System.String.Split(System.Char)" /> and <see cref="P:System.String.Length">its length</see>.</summary>
            """);
        var (text, spans) = SdkDocs.Render(summary);
        Assert.Equal("Returns the String in value, or null. See String.Split and its length.", text);
        Assert.Equal([("String", "TYPE"), ("value", "PARAM"), ("null", "KEYWORD"), ("String.Split", "MEMBER"), ("its length", "MEMBER")],
            spans.Select(s => (text.Substring(s.Start, s.Length), s.Type)));
        var sentence = DataCommand.ToSentence(new SdkSummary("A", "T:X", "X", text, spans));
        Assert.Equal(["O", "O", "B-TYPE", "O", "B-PARAM", "O", "O", "B-KEYWORD", "O", "O", "B-MEMBER", "I-MEMBER", "I-MEMBER", "O", "B-MEMBER", "I-MEMBER", "O"], sentence.Tags);
    }

    [Theory]
    [InlineData("T:System.IO.File", "System.IO", "System.IO")]
    [InlineData("M:System.IO.File.Open(System.String)", "System.IO", "System.IO")]
    [InlineData("P:System.Net.Http.HttpClient.Timeout", "System.Net.Http", "System.Net")]
    [InlineData("T:System.String", "System", "System")]
    public void NamespaceAndArea(string member, string ns, string area)
    {
        Assert.Equal(ns, SdkDocs.NamespaceOf(member));
        Assert.Equal(area, new SdkSummary("A", member, ns, "text", []).Area);
    }

    [Fact]
    public void RealSdkSummariesAreDistinctAndSplitByWholeAssemblies()
    {
        var files = SharpLM.Cli.Commands.QuickstartCorpus.FindDocumentationFiles();
        Assert.True(files.Count > 0, "the .NET SDK's reference-pack XML docs were not found");
        var some = files.Where(f => Path.GetFileName(f) is "System.Runtime.xml" or "System.Collections.xml" or "System.Net.Http.xml" or "System.IO.FileSystem.Watcher.xml" or "System.Linq.xml").ToList();
        var summaries = SdkDocs.ReadSummaries(some);
        Assert.True(summaries.Count > 1000, $"{summaries.Count} summaries");
        Assert.Equal(summaries.Count, summaries.Select(s => s.Text).Distinct().Count());
        Assert.Contains(summaries, s => s.Entities.Any(e => e.Type == "TYPE"));
        var (train, validation, test) = SdkDocs.SplitByAssembly(summaries, s => s.Assembly, 0.2, 0.2, seed: 3);
        Assert.Equal(summaries.Count, train.Count + validation.Count + test.Count);
        var a = train.Select(s => s.Assembly).ToHashSet();
        Assert.Empty(a.Intersect(test.Select(s => s.Assembly)));
        Assert.Empty(a.Intersect(validation.Select(s => s.Assembly)));
    }
}
