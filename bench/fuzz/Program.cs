using SharpFuzz;
using SharpLM.Fuzz;

// SharpLM.Fuzz: coverage-guided fuzzing of SharpLM's parsers (see README.md).
//   list                    the harness names
//   fuzz NAME               run under afl-fuzz (persistent mode through SharpFuzz)
//   run NAME FILE|DIR...    replay inputs (e.g. a campaign's crashes/ and hangs/); exit 1 on any finding
//   explain NAME FILE       run one input and print what the parser said
//   seeds DIR               write the seed corpora, made by SharpLM itself, into DIR/NAME/
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: SharpLM.Fuzz list | fuzz NAME | run NAME FILE|DIR... | explain NAME FILE | seeds DIR");
    return 2;
}
switch (args[0])
{
    case "list":
        foreach (var h in Harnesses.All)
            Console.WriteLine($"{h.Name,-20} {string.Join(" + ", h.FileNames),-32} {string.Join(", ", h.Documented.Select(t => t.Name))}");
        return 0;
    case "seeds" when args.Length == 2:
        Seeds.WriteAll(args[1]);
        return 0;
    case "fuzz" when args.Length == 2:
    {
        var harness = Harnesses.Find(args[1]) ?? throw new ArgumentException($"unknown harness '{args[1]}' (see 'list')");
        var scratch = Scratch();
        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (harness.Check(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), scratch, enforceTime: false) is { } finding)
                throw new FuzzFindingException(finding);
        });
        return 0;
    }
    case "explain" when args.Length == 3:
    {
        var harness = Harnesses.Find(args[1]) ?? throw new ArgumentException($"unknown harness '{args[1]}' (see 'list')");
        var scratch = Scratch();
        try
        {
            harness.Parse(harness.WriteInput(File.ReadAllBytes(args[2]), scratch));
            Console.WriteLine("parsed");
        }
        catch (Exception e) { Console.WriteLine($"{e.GetType().Name}: {e.Message}"); }
        Directory.Delete(scratch, recursive: true);
        return 0;
    }
    case "run" when args.Length >= 3:
    {
        var harness = Harnesses.Find(args[1]) ?? throw new ArgumentException($"unknown harness '{args[1]}' (see 'list')");
        var scratch = Scratch();
        var files = args[2..].SelectMany(a => Directory.Exists(a) ? Directory.GetFiles(a).Where(f => !f.EndsWith("README.txt")).Order() : (IEnumerable<string>)[a]).ToList();
        int findings = 0;
        foreach (var file in files)
        {
            string? finding;
            try { finding = harness.Check(File.ReadAllBytes(file), scratch); }
            catch (Exception e) { finding = e.ToString(); }
            if (finding is null) continue;
            findings++;
            Console.WriteLine($"FINDING {file}: {finding}");
        }
        Console.WriteLine($"{harness.Name}: {files.Count} inputs, {findings} findings");
        Directory.Delete(scratch, recursive: true);
        return findings == 0 ? 0 : 1;
    }
    default:
        Console.Error.WriteLine($"unknown command '{string.Join(' ', args)}' (try --help)");
        return 2;
}

// A private folder for the input files, in memory (/dev/shm) when the machine has one.
static string Scratch()
{
    var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
    var dir = Path.Combine(root, $"sharplm-fuzz-{Environment.ProcessId}");
    Directory.CreateDirectory(dir);
    return dir;
}
