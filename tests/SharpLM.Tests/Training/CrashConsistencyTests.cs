using System.Diagnostics;
using System.Text.Json;
using SharpLM.Formats;
using SharpLM.Training;
using Xunit.Abstractions;

namespace SharpLM.Tests.Training;

/// <summary>
/// kill -9 at random moments of a training run (during steps and during checkpoint writes):
/// after every kill the run folder holds either no checkpoint (and resume says so) or one
/// complete checkpoint, and resuming from it ends in exactly the weights of a run that was
/// never interrupted.
/// </summary>
public sealed class CrashConsistencyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-crash-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public CrashConsistencyTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    // The CI form kills 10 times; the long form (BENCHMARKS.md) sets SHARPLM_KILLS=200.
    private static readonly int Attempts = int.TryParse(Environment.GetEnvironmentVariable("SHARPLM_KILLS"), out int k) && k > 0 ? k : 10;
    private static readonly int MaxSteps = Math.Max(40, 3 * Attempts);

    private string[] TrainArgs(string data, string run, bool resume) =>
        ["train", "--data", data, "--out", run, "--layers", "1", "--heads", "2", "--width", "32", "--block-size", "16",
         "--batch-size", "4", "--max-steps", $"{MaxSteps}", "--warmup", "2", "--eval-every", "10", "--eval-batches", "2",
         "--save-every", "1", "--dropout", "0.1", "--threads", "1", .. (resume ? new[] { "--resume" } : [])];

    private static Process StartCli(IEnumerable<string> args)
    {
        string folder = Path.GetDirectoryName(typeof(SharpLM.Cli.Program).Assembly.Location)!;
        string apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "SharpLM.Cli.exe" : "SharpLM.Cli");
        var info = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(folder, "SharpLM.Cli.dll") } };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static int RunToEnd(IEnumerable<string> args)
    {
        using var p = StartCli(args);
        Assert.True(p.WaitForExit(120_000), "the training process did not finish within 2 minutes");
        return p.ExitCode;
    }

    // The newest step in the run's metrics.jsonl (-1 when none): how far the process has got.
    private static int LoggedStep(string run)
    {
        try
        {
            var path = Path.Combine(run, MetricsLog.FileName);
            if (!File.Exists(path)) return -1;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (int i = lines.Length - 1; i >= 0; i--)
                try { return JsonDocument.Parse(lines[i]).RootElement.GetProperty("step").GetInt32(); }
                catch (JsonException) { }   // a line being written
            return -1;
        }
        catch (IOException) { return -1; }
    }

    [Fact]
    public void KilledRunsResumeFromTheLastCompleteCheckpointAndEndBitIdentical()
    {
        var text = new Random(1);
        string data = Path.Combine(_root, "data.txt");
        File.WriteAllText(data, string.Join(' ', Enumerable.Range(0, 3000).Select(_ => new string(Enumerable.Range(0, text.Next(2, 8)).Select(_ => (char)('a' + text.Next(6))).ToArray()))));

        string straight = Path.Combine(_root, "straight");
        Assert.Equal(0, RunToEnd(TrainArgs(data, straight, resume: false)));

        string killed = Path.Combine(_root, "killed");
        var when = new Random(7);
        var clockAll = Stopwatch.StartNew();
        int kills = 0, lastStep = -1, checkpointsChecked = 0, noCheckpointYet = 0;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            bool hasCheckpoint = File.Exists(Path.Combine(killed, TrainerState.FileName)) || Directory.Exists(Path.Combine(killed, FileSetCommit.StagingFolder));
            using var p = StartCli(TrainArgs(data, killed, resume: hasCheckpoint));
            // Kill while it trains, whatever the machine's speed: wait for a step newer than the
            // last checkpoint to be logged (its checkpoint is being written next), then a random
            // few milliseconds more; now and then kill during start-up instead.
            int target = Math.Max(lastStep, 0) + 1 + when.Next(3);
            var clock = Stopwatch.StartNew();
            bool early = when.Next(5) == 0;
            while (!p.HasExited && clock.ElapsedMilliseconds < 60_000 && (early ? clock.ElapsedMilliseconds < 150 : LoggedStep(killed) < target))
                Thread.Sleep(2);
            Thread.Sleep(when.Next(0, 25));
            if (p.HasExited)
            {
                Assert.Equal(0, p.ExitCode);
                break;
            }
            p.Kill(entireProcessTree: true);   // SIGKILL: no chance to clean up
            p.WaitForExit();
            kills++;
            // After a kill: either no checkpoint yet, said clearly, or a complete one at a step ≥ the last one seen.
            try
            {
                var state = Checkpoint.ReadState(killed);
                Assert.True(state.Step >= lastStep, $"checkpoint went back from step {lastStep} to {state.Step}");
                lastStep = state.Step;
                var resumed = TrainingRun.Resume(killed, tok => (tok.Encode(File.ReadAllText(data)), data));
                Assert.Equal(state.Step, resumed.Trainer.Step);
                Assert.False(Directory.Exists(Path.Combine(killed, FileSetCommit.StagingFolder)));
                Assert.Empty(Directory.GetFiles(killed, "*.tmp-*"));
                checkpointsChecked++;
            }
            catch (FileNotFoundException e)
            {
                Assert.Equal(-1, lastStep);   // only before the first checkpoint
                Assert.Contains("no complete checkpoint", e.Message);
                noCheckpointYet++;
            }
        }
        Assert.True(kills >= Attempts * 6 / 10, $"only {kills} kills happened; the test did not exercise crashes");
        if (!File.Exists(Path.Combine(killed, TrainerState.FileName)) || Checkpoint.ReadState(killed).Step < MaxSteps)
            Assert.Equal(0, RunToEnd(TrainArgs(data, killed, resume: File.Exists(Path.Combine(killed, TrainerState.FileName)))));

        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(killed, "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, Checkpoint.OptimizerFile)), File.ReadAllBytes(Path.Combine(killed, Checkpoint.OptimizerFile)));
        static Dictionary<int, double> Losses(string run) => File.ReadAllLines(Path.Combine(run, MetricsLog.FileName))
            .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("train_loss", out _))
            .ToDictionary(e => e.GetProperty("step").GetInt32(), e => e.GetProperty("train_loss").GetDouble());
        Assert.Equal(Losses(straight), Losses(killed));
        // Reached only when every check above held: 0 torn checkpoints, 0 divergent resumes.
        string summary = $"crash consistency: {kills} kills in {Attempts} attempts ({MaxSteps} steps), {checkpointsChecked} checkpoints complete and resumable after a kill, " +
            $"{noCheckpointYet} kills before the first checkpoint (said clearly), 0 torn, final weights, optimizer state and all {Losses(killed).Count} losses bit-identical to the uninterrupted run, {clockAll.Elapsed.TotalSeconds:F0} s";
        _output.WriteLine(summary);
        Console.WriteLine(summary);
    }

    [Fact]
    public void AKilledConvertLeavesTheOldFolderOrTheNewOneNeverAMix()
    {
        string output = Path.Combine(_root, "converted");
        var when = new Random(3);
        int kills = 0;
        for (int attempt = 0; attempt < 12; attempt++)
        {
            // Two shapes in turn: a folder mixing one's config with the other's weights cannot load.
            string preset = attempt % 2 == 0 ? "stories42M" : "stories15M";
            using var p = StartCli(["convert", preset, "--from", "preset", "--to", "hf", "--out", output]);
            if (!p.WaitForExit(when.Next(150, 750)))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                kills++;
            }
            if (!File.Exists(Path.Combine(output, "config.json")) && !File.Exists(Path.Combine(output, SharpLM.Models.GptHuggingFace.WeightsFile)))
                continue;   // nothing written under the final names yet
            // Whatever is there is one complete model: config and weights of the same conversion.
            var model = SharpLM.Models.GptHuggingFace.Load(output);
            Assert.Contains(model.Config.Width, new[] { 512, 288 });
        }
        Assert.True(kills >= 3, $"only {kills} of 12 converts were killed");
    }

    [Fact]
    public void AKilledQuantizeLeavesNoPartialGguf()
    {
        // A real (randomly initialised) 15M-parameter model folder with a tokenizer, to quantize.
        string model = Path.Combine(_root, "model");
        Assert.Equal(0, RunToEnd(["convert", "stories15M", "--from", "preset", "--to", "hf", "--out", model]));
        var text = string.Join(' ', Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 20));
        SharpLM.Tokenizers.TokenizerFiles.Save(SharpLM.Tokenizers.BpeTrainer.Train([text], 300, ["<|endoftext|>"]), Path.Combine(model, "tokenizer.json"));
        string output = Path.Combine(_root, "model.gguf");
        // One uninterrupted run: the file every later kill must leave intact (or replace whole), and how long a run takes.
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, RunToEnd(["quantize", "--model", model, "--type", "q4_0", "--out", output]));
        int fullRunMs = (int)clock.ElapsedMilliseconds;
        var when = new Random(5);
        int kills = 0, checks = 0;
        for (int attempt = 0; attempt < 12; attempt++)
        {
            string type = attempt % 2 == 0 ? "q8_0" : "q4_0";
            using var p = StartCli(["quantize", "--model", model, "--type", type, "--out", output]);
            if (!p.WaitForExit(when.Next(fullRunMs / 5, fullRunMs)))   // kill somewhere in start-up, reading, quantizing or writing
            {
                p.Kill(entireProcessTree: true);   // SIGKILL: no chance to clean up
                p.WaitForExit();
                kills++;
            }
            else Assert.Equal(0, p.ExitCode);
            // Under the final name there is always one complete GGUF (the previous one or the new one): it opens and loads as the model.
            var gpt = SharpLM.Models.GptGguf.Load(output);
            Assert.Equal(288, gpt.Config.Width);
            checks++;
        }
        Assert.True(kills >= 3, $"only {kills} of 12 quantize runs were killed (a full run takes {fullRunMs} ms)");
        _output.WriteLine($"quantize: {kills} kills of 12 (a full run {fullRunMs} ms), {checks} checks: {output} always complete and loadable");
    }
}
