namespace SharpLM.Tests.Hostile;

/// <summary>Helpers for hostile-input tests: a scratch folder, and "fails fast with little memory" as one assertion.</summary>
public abstract class HostileInput : IDisposable
{
    /// <summary>At most this much may be allocated while rejecting a header that claims gigabytes.</summary>
    protected const long LittleMemory = 1 << 20;

    protected readonly string Dir = Directory.CreateTempSubdirectory("sharplm-hostile-").FullName;

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    protected string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    protected string Write(string name, string text) => Write(name, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Runs <paramref name="parse"/> twice (the first run warms up the JIT and static data) and asserts the
    /// second run throws <typeparamref name="T"/> whose message names <paramref name="file"/> and contains
    /// <paramref name="field"/>, having allocated less than <see cref="LittleMemory"/> on this thread.
    /// </summary>
    protected static T FailsFast<T>(Action parse, string file, string field) where T : Exception
    {
        Assert.Throws<T>(parse);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<T>(parse);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < LittleMemory, $"rejecting the hostile file allocated {allocated:N0} bytes: {e.Message}");
        Assert.Contains(file, e.Message);
        Assert.Contains(field, e.Message);
        return e;
    }
}
