using SharpLM.Formats;

namespace SharpLM.Tests.Formats;

public sealed class FileSetCommitTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-fileset-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Read(string name) => File.ReadAllText(Path.Combine(_dir, name));

    [Fact]
    public void ReplacesTheWholeSetAndLeavesNoStaging()
    {
        FileSetCommit.Write(_dir, s => { File.WriteAllText(Path.Combine(s, "a"), "1"); File.WriteAllText(Path.Combine(s, "b"), "1"); });
        FileSetCommit.Write(_dir, s => { File.WriteAllText(Path.Combine(s, "a"), "2"); File.WriteAllText(Path.Combine(s, "b"), "2"); });
        Assert.Equal(("2", "2"), (Read("a"), Read("b")));
        Assert.False(Directory.Exists(Path.Combine(_dir, FileSetCommit.StagingFolder)));
    }

    [Fact]
    public void AFailedWriteLeavesTheOldSet()
    {
        FileSetCommit.Write(_dir, s => { File.WriteAllText(Path.Combine(s, "a"), "1"); File.WriteAllText(Path.Combine(s, "b"), "1"); });
        Assert.Throws<InvalidOperationException>(() => FileSetCommit.Write(_dir, s =>
        {
            File.WriteAllText(Path.Combine(s, "a"), "2");
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal(("1", "1"), (Read("a"), Read("b")));
        Assert.False(Directory.Exists(Path.Combine(_dir, FileSetCommit.StagingFolder)));
    }

    [Fact]
    public void RecoverCompletesACommittedSetAndDiscardsAnUncommittedOne()
    {
        FileSetCommit.Write(_dir, s => { File.WriteAllText(Path.Combine(s, "a"), "1"); File.WriteAllText(Path.Combine(s, "b"), "1"); });
        string staging = Path.Combine(_dir, FileSetCommit.StagingFolder);

        // Crashed after the marker, with "a" already moved in: recovery moves "b" too.
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "b"), "2");
        File.WriteAllText(Path.Combine(staging, FileSetCommit.MarkerFile), "a\nb");
        File.WriteAllText(Path.Combine(_dir, "a"), "2");
        File.WriteAllText(Path.Combine(_dir, "a.tmp-1-x"), "junk");
        FileSetCommit.Recover(_dir);
        Assert.Equal(("2", "2"), (Read("a"), Read("b")));
        Assert.False(Directory.Exists(staging));
        Assert.False(File.Exists(Path.Combine(_dir, "a.tmp-1-x")));

        // Crashed before the marker: the staged files are thrown away.
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "a"), "3");
        FileSetCommit.Recover(_dir);
        Assert.Equal(("2", "2"), (Read("a"), Read("b")));
        Assert.False(Directory.Exists(staging));
    }

    [Fact]
    public void AMarkerNamingAPathOutsideTheFolderIsRejected()
    {
        string staging = Path.Combine(_dir, FileSetCommit.StagingFolder);
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, FileSetCommit.MarkerFile), "../evil");
        var e = Assert.Throws<InvalidDataException>(() => FileSetCommit.Recover(_dir));
        Assert.Contains("not a plain file name", e.Message);
    }
}
