using SharpLM.Formats;
using SharpLM.Training.Data;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>The gettext .mo reader, pair files, the catalog split and the man-page extractor.</summary>
public class DataTests
{
    private static readonly GettextMessage[] Messages =
    [
        new(null, "Open file", null, ["Datei öffnen"]),
        new("menu", "Open", null, ["Öffnen"]),
        new(null, "%d file", "%d files", ["%d Datei", "%d Dateien"]),
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MoReaderReadsBothByteOrdersPluralsAndContexts(bool littleEndian)
    {
        // The file is written by our writer in the chosen byte order; a header entry is added as gettext does.
        var bytes = GettextMo.Write([new GettextMessage(null, "", null, ["Content-Type: text/plain; charset=UTF-8\n"]), .. Messages], littleEndian);
        Assert.Equal(littleEndian ? (byte)0xde : (byte)0x95, bytes[0]);
        var read = GettextMo.Read(bytes).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(3, read.Count);                                          // the header is skipped
        var plural = read.Single(m => m.IdPlural is not null);
        Assert.Equal(("%d file", "%d files"), (plural.Id, plural.IdPlural!));
        Assert.Equal(["%d Datei", "%d Dateien"], plural.Translations);
        var withContext = read.Single(m => m.Context is not null);
        Assert.Equal(("menu", "Open", "Öffnen"), (withContext.Context!, withContext.Id, withContext.Translations[0]));
    }

    [Fact]
    public void MoReaderRejectsBadMagicAndTruncation()
    {
        var bad = new byte[32];
        bad[0] = 0x12;
        var e = Assert.Throws<InvalidDataException>(() => GettextMo.Read(bad, "x.mo"));
        Assert.Contains("x.mo", e.Message);
        Assert.Contains("magic", e.Message);
        var good = GettextMo.Write(Messages);
        Assert.Throws<InvalidDataException>(() => GettextMo.Read(good.AsSpan(0, good.Length - 10), "cut.mo"));
    }

    [Fact]
    public void CleaningRemovesAcceleratorsKeepsFormatSpecifiersAndDropsUseless()
    {
        Assert.Equal(new TextPair("Open File", "파일 열기"), GettextCorpus.Clean("_Open File", "파일 열기(_O)"));
        Assert.Equal(new TextPair("Save %s as…", "%s speichern unter…"), GettextCorpus.Clean("&Save %s as…", "%s &speichern unter…"));
        Assert.Equal("copy %'d bytes of file_name", GettextCorpus.RemoveAccelerators("copy %'d bytes of file_name"));
        Assert.Null(GettextCorpus.Clean("OK", "OK"));                          // untranslated
        Assert.Null(GettextCorpus.Clean("%s: %s", "%s: %s"));
        Assert.Null(GettextCorpus.Clean("--", "—"));                          // no letter
        Assert.Equal("a b", GettextCorpus.Clean("a\n  b", "x")!.Source);
    }

    [Fact]
    public void SplitHoldsOutWholeGroupsAndNeverLeaksSources()
    {
        var pairs = Enumerable.Range(0, 40).SelectMany(g => Enumerable.Range(0, 10).Select(i => new TextPair($"msg {g}-{i}", $"t {g}-{i}", $"prog{g}"))).ToList();
        pairs.Add(pairs[0]);                                                  // a duplicate
        pairs.Add(new TextPair(pairs[15].Source, "other translation", "prog0")); // a source shared across programs
        var s = GettextCorpus.Split(pairs);
        Assert.True(s.Train.Count + s.Validation.Count + s.Test.Count <= 401);   // the exact duplicate is gone
        Assert.InRange(s.Test.Count, 40, 60);
        Assert.InRange(s.Validation.Count, 40, 60);
        Assert.Empty(s.Train.Select(p => p.Group).Intersect(s.TestGroups.Concat(s.ValidationGroups)));
        Assert.Empty(s.Train.Select(p => p.Source).Intersect(s.Test.Concat(s.Validation).Select(p => p.Source)));
    }

    [Fact]
    public void PairFilesGiveClearErrors()
    {
        var dir = Directory.CreateTempSubdirectory("sharplm-pairs").FullName;
        try
        {
            var noTab = Path.Combine(dir, "a.tsv");
            File.WriteAllText(noTab, "hello\tHallo\nno tab here\n");
            var e = Assert.Throws<InvalidDataException>(() => TextPairFile.Read(noTab));
            Assert.Contains("a.tsv:2", e.Message);
            Assert.Contains("no tab", e.Message);
            var empty = Path.Combine(dir, "b.tsv");
            File.WriteAllText(empty, "hello\t \n");
            Assert.Contains("target is empty", Assert.Throws<InvalidDataException>(() => TextPairFile.Read(empty)).Message);
            var jsonl = Path.Combine(dir, "c.jsonl");
            File.WriteAllText(jsonl, "{\"source\": \"hi\", \"target\": \"안녕\"}\n");
            Assert.Equal(new TextPair("hi", "안녕"), TextPairFile.Read(jsonl).Single());
            var tsv = Path.Combine(dir, "d.tsv");
            TextPairFile.WriteTsv(tsv, [new TextPair("a\tb", "c\nd")]);
            Assert.Equal(new TextPair("a b", "c d"), TextPairFile.Read(tsv).Single());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ManPageGivesDescriptionToSummaryWithRoffStripped()
    {
        const string page = """
            .\" a comment
            .TH LS 1 "2024" "GNU coreutils"
            .SH NAME
            ls \- list directory contents
            .SH SYNOPSIS
            .B ls
            [\fIOPTION\fR]... [\fIFILE\fR]...
            .SH DESCRIPTION
            .\" Add any additional description here
            .PP
            List information about the FILEs (the current directory by default).
            Sort entries alphabetically if none of
            .B \-cftuvSUX
            nor \fB\-\-sort\fR is specified.
            .SH AUTHOR
            Written by someone.
            """;
        var pair = ManPageCorpus.FromRoff(page, "coreutils")!;
        Assert.Equal("list directory contents", pair.Target);
        Assert.Equal("List information about the FILEs (the current directory by default). Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.", pair.Source);
        Assert.Equal("coreutils", pair.Group);
        Assert.Null(ManPageCorpus.FromRoff(".so man1/other.1\n"));
    }
}
