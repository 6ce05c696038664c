namespace SharpLM.Fuzz;

/// <summary>
/// One fuzzing target: a parser fed the fuzzer's bytes as a file (or, for a file pair, as two files
/// cut at the first 0x00 byte). It passes when the parser succeeds or throws one of its documented
/// format exceptions; any other exception, a run past <see cref="HangLimit"/> or an allocation past
/// <see cref="MemoryBound"/> is a finding.
/// </summary>
/// <param name="Name">The command-line name, e.g. <c>safetensors</c>.</param>
/// <param name="FileNames">The file name(s) the input is written to (two names = the input is split at its first 0x00 byte).</param>
/// <param name="Documented">The exception types the parser documents for bad input.</param>
/// <param name="Parse">Runs the parser on the written file(s).</param>
public sealed record Harness(string Name, string[] FileNames, Type[] Documented, Action<string[]> Parse)
{
    /// <summary>A run slower than this is a hang (AFL is given the same limit with <c>-t</c>).</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(1);

    /// <summary>Bytes a parser may allocate for an input of <paramref name="inputBytes"/> bytes: 64 MB plus 64 bytes per input byte.</summary>
    public static long MemoryBound(long inputBytes) => (64L << 20) + 64 * inputBytes;

    /// <summary>
    /// Fixed, valid files written beside the input before the first run (e.g. the shards a fuzzed
    /// <c>model.safetensors.index.json</c> names), so the fuzzer reaches past the file lookups.
    /// </summary>
    public IReadOnlyList<(string FileName, Func<byte[]> Content)> Fixtures { get; init; } = [];

    /// <summary>
    /// False for inputs that are not files (an HTTP request body): the documented exception then
    /// names the bad field instead of a file.
    /// </summary>
    public bool MessageNamesFile { get; init; } = true;

    /// <summary>A harness whose input is one file called <paramref name="fileName"/>.</summary>
    public static Harness One<TException>(string name, string fileName, Action<string> parse) where TException : Exception =>
        new(name, [fileName], [typeof(TException)], files => parse(files[0]));

    /// <summary>A harness whose input is two files (split at the first 0x00 byte).</summary>
    public static Harness Pair<TException>(string name, string first, string second, Action<string, string> parse) where TException : Exception =>
        new(name, [first, second], [typeof(TException)], files => parse(files[0], files[1]));

    /// <summary>
    /// A harness for a reader that documents no exception for bad content (it skips what it cannot
    /// read): any exception at all is a finding.
    /// </summary>
    public static Harness Lenient(string name, string fileName, Action<string> parse) =>
        new(name, [fileName], [], files => parse(files[0]));

    /// <summary>Writes <paramref name="fileName"/> (made once by <paramref name="content"/>) beside every input.</summary>
    public Harness WithFixture(string fileName, Func<byte[]> content)
    {
        var made = new Lazy<byte[]>(content);
        return this with { Fixtures = [.. Fixtures, (fileName, () => made.Value)] };
    }

    /// <summary>For inputs that are not files (see <see cref="MessageNamesFile"/>).</summary>
    public Harness NotAFile() => this with { MessageNamesFile = false };

    /// <summary>Also accepts <typeparamref name="TException"/> (e.g. NotSupportedException for a valid file using a feature SharpLM lacks).</summary>
    public Harness Also<TException>() where TException : Exception => this with { Documented = [.. Documented, typeof(TException)] };

    /// <summary>Writes <paramref name="input"/> into <paramref name="directory"/> as this harness's file(s) and returns their paths.</summary>
    public string[] WriteInput(ReadOnlySpan<byte> input, string directory)
    {
        foreach (var (name, content) in Fixtures)
            if (Path.Combine(directory, name) is var fixture && !File.Exists(fixture)) File.WriteAllBytes(fixture, content());
        var paths = FileNames.Select(n => Path.Combine(directory, n)).ToArray();
        if (paths.Length == 1)
        {
            File.WriteAllBytes(paths[0], input.ToArray());
            return paths;
        }
        int cut = input.IndexOf((byte)0);
        File.WriteAllBytes(paths[0], (cut < 0 ? input : input[..cut]).ToArray());
        File.WriteAllBytes(paths[1], (cut < 0 ? [] : input[(cut + 1)..]).ToArray());
        return paths;
    }

    /// <summary>
    /// Runs the parser once on <paramref name="input"/>; returns null when it passed, else a description
    /// of the finding. Documented exceptions are swallowed; others are returned with their stack trace.
    /// </summary>
    /// <remarks>Under afl-fuzz the time limit is left to afl-fuzz's <c>-t</c> (<paramref name="enforceTime"/> false), so a cold JIT is not a finding.</remarks>
    public string? Check(ReadOnlySpan<byte> input, string directory, bool enforceTime = true)
    {
        var paths = WriteInput(input, directory);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Parse(paths);
        }
        catch (Exception e) when (Documented.Any(t => t.IsInstanceOfType(e)))
        {
            if (MessageNamesFile && !e.Message.Contains(paths[0], StringComparison.Ordinal) && (paths.Length == 1 || !e.Message.Contains(paths[1], StringComparison.Ordinal)))
                return $"{e.GetType().Name} does not name the file: {e.Message}";
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > MemoryBound(input.Length))
            return $"allocated {allocated:N0} bytes for a {input.Length}-byte input (bound {MemoryBound(input.Length):N0})";
        if (enforceTime && clock.Elapsed > HangLimit)
            return $"took {clock.Elapsed.TotalMilliseconds:F0} ms (limit {HangLimit.TotalMilliseconds:F0} ms)";
        return null;
    }
}

/// <summary>What a harness reports to the fuzzer as a crash: a broken rule (memory bound, hang, message not naming the file).</summary>
public sealed class FuzzFindingException(string message) : Exception(message);
