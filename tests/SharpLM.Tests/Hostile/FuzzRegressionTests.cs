using SharpLM.Fuzz;

namespace SharpLM.Tests.Hostile;

/// <summary>
/// Replays every input the fuzzer ever flagged (Hostile/FuzzRegressions/HARNESS/*) through the same
/// oracle the fuzzing campaign uses (bench/fuzz/Harnesses.cs): the parser must succeed or throw its
/// documented format exception naming the file, within the memory bound. The seed corpora must parse.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("sharplm-fuzzreg-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static IEnumerable<object[]> Inputs(string folder)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Hostile", folder);
        return Directory.GetDirectories(root).SelectMany(d => Directory.GetFiles(d).Order().Select(f => new object[] { Path.GetFileName(d), Path.GetFileName(f) }));
    }

    public static IEnumerable<object[]> Regressions() => Inputs("FuzzRegressions");

    public static IEnumerable<object[]> SeedFiles() => Inputs("FuzzSeeds");

    [Theory]
    [MemberData(nameof(Regressions))]
    public void FlaggedInputIsRejectedCleanly(string harness, string file)
    {
        var h = Harnesses.Find(harness) ?? throw new InvalidOperationException($"no harness '{harness}' for regression folder");
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Hostile", "FuzzRegressions", harness, file));
        Assert.Null(h.Check(bytes, _scratch, enforceTime: false));
    }

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void SeedParses(string harness, string file)
    {
        var h = Harnesses.Find(harness) ?? throw new InvalidOperationException($"no harness '{harness}' for seed folder");
        var paths = h.WriteInput(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Hostile", "FuzzSeeds", harness, file)), _scratch);
        h.Parse(paths); // a seed is a valid file: no exception at all
    }

    [Fact]
    public void EveryHarnessHasSeeds()
    {
        var seeded = SeedFiles().Select(s => (string)s[0]).ToHashSet();
        Assert.All(Harnesses.All, h => Assert.Contains(h.Name, seeded));
    }
}
