using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench llama2c</c>: greedy decoding of a llama2.c checkpoint exactly as llama2.c's
/// <c>run</c> does it (<c>-t 0 -n STEPS -i PROMPT</c>: the prompt encoded with &lt;s&gt;, fed one token
/// per position, then argmax until STEPS positions or &lt;s&gt;), printing the same bytes <c>run</c>
/// prints, and decode tokens/s measured as <c>run</c> measures it. With <c>--run</c> it also starts
/// the given <c>run</c> binary on the same file (OMP_NUM_THREADS = --threads), compares the two
/// outputs byte for byte and reports both speeds. Near-ties of the top two logits are reported.
/// </summary>
public static class Llama2cParityBench
{
    /// <summary>Creates the <c>llama2c</c> sub-command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "llama2.c checkpoint (.bin v0/v1/v2), e.g. from `sharplm convert stories15M --from preset --init-std 0.07 --to llama2c --out s15.bin`.", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "llama2.c's tokenizer.bin.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Prompt (run's -i).", DefaultValueFactory = _ => "Once upon a time" };
        var steps = new Option<int>("--steps") { Description = "Positions, prompt included (run's -n).", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads here and OMP_NUM_THREADS for run.", DefaultValueFactory = _ => 2 };
        var run = new Option<string?>("--run") { Description = "Path of llama2.c's compiled run binary (built beside the project, e.g. /work/peers/llama2.c/run) to compare against." };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs of each side; the median tok/s is reported.", DefaultValueFactory = _ => 3 };
        var cmd = new Command("llama2c", "Greedy decode of a llama2.c checkpoint token-for-token as llama2.c's run, optionally compared with run itself (text and tok/s).");
        foreach (var o in new Option[] { model, tokenizer, prompt, steps, threads, run, repeat }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(model)!, pr.GetValue(tokenizer)!, pr.GetValue(prompt)!, pr.GetValue(steps), pr.GetValue(threads), pr.GetValue(run), pr.GetValue(repeat));
            return 0;
        });
        return cmd;
    }

    /// <summary>What one greedy pass produced: the ids after the prompt, run's printed bytes, tok/s as run counts it, and the smallest top-2 logit gap.</summary>
    internal sealed record Result(List<int> Ids, byte[] Text, double TokensPerSecond, float SmallestGap, int SmallestGapStep);

    private static void Run(string modelPath, string tokenizerPath, string prompt, int steps, int threads, string? runPath, int repeat)
    {
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        var (gpt, tok) = GenerateModelLoader.Load(modelPath, tokenizerPath);
        if (tok is not Llama2cTokenizer tokenizer) throw new CliException($"--tokenizer '{tokenizerPath}' is not llama2.c's tokenizer.bin");
        if (steps < 1 || steps > gpt.Config.BlockSize) throw new CliException($"--steps must be in 1..{gpt.Config.BlockSize} (the model's seq_len), got {steps}");
        KernelThreads.Count = threads;
        var generator = new Generator(gpt);
        var inv = CultureInfo.InvariantCulture;

        Result? ours = null;
        var rates = new List<double>();
        for (int r = -1; r < repeat; r++) // -1 warms up
        {
            ours = Greedy(generator, tokenizer, prompt, steps);
            if (r >= 0) rates.Add(ours.TokensPerSecond);
        }
        rates.Sort();
        Console.WriteLine($"sharplm: {ours!.Ids.Count - 1} tokens after <s>, text: {Printable(ours.Text)}");
        Console.WriteLine(string.Format(inv, "sharplm: {0:F1} tok/s (median of {1}, {2} thread(s), counted as run counts: positions after the first / time)", rates[repeat / 2], repeat, threads));
        Console.WriteLine(string.Format(inv, "smallest gap between the two top logits: {0:G3} at step {1}{2}", ours.SmallestGap, ours.SmallestGapStep,
            ours.SmallestGap < 1e-5f ? " — a near-tie: the two implementations may legitimately pick different tokens there" : " (no ties within 1e-5)"));
        if (runPath is null) return;

        if (!File.Exists(runPath)) throw new CliException($"--run '{runPath}' does not exist");
        var peerRates = new List<double>();
        byte[] peerText = [];
        for (int r = 0; r < repeat; r++)
        {
            var (text, rate) = RunPeer(runPath, modelPath, tokenizerPath, prompt, steps, threads);
            peerText = text;
            peerRates.Add(rate);
        }
        peerRates.Sort();
        Console.WriteLine(string.Format(inv, "run:     {0:F1} tok/s (median of {1}, OMP_NUM_THREADS={2})", peerRates[repeat / 2], repeat, threads));
        Console.WriteLine(string.Format(inv, "speed ratio sharplm / run: {0:F2}", rates[repeat / 2] / peerRates[repeat / 2]));
        int diff = FirstDifference(ours.Text, peerText);
        if (diff < 0)
            Console.WriteLine($"parity: identical output ({ours.Text.Length} bytes, {ours.Ids.Count - 1} tokens after <s>)");
        else
        {
            Console.WriteLine($"parity: outputs differ at byte {diff} of {ours.Text.Length} (ours) / {peerText.Length} (run)");
            Console.WriteLine($"  ours: {Printable(ours.Text[Math.Max(0, diff - 40)..Math.Min(ours.Text.Length, diff + 40)])}");
            Console.WriteLine($"  run:  {Printable(peerText[Math.Max(0, diff - 40)..Math.Min(peerText.Length, diff + 40)])}");
            throw new CliException("llama2.c parity failed");
        }
    }

    /// <summary>llama2.c's <c>generate</c> loop, greedy, on our engine.</summary>
    internal static Result Greedy(Generator generator, Llama2cTokenizer tokenizer, string prompt, int steps)
    {
        var promptIds = tokenizer.Encode(prompt, bos: true, eos: false);
        var ids = new List<int> { promptIds[0] };
        var text = new List<byte>();
        var sampler = new Sampler(generator.Config.VocabSize, SamplerOptions.Greedy);
        generator.Reset();
        int token = promptIds[0], pos = 0;
        float smallestGap = float.PositiveInfinity;
        int smallestStep = -1;
        long start = 0;
        var clock = Stopwatch.StartNew();
        while (pos < steps)
        {
            var logits = pos == 0 ? generator.Prefill([token]) : generator.Decode(token);
            int next;
            if (pos < promptIds.Length - 1) next = promptIds[pos + 1];
            else
            {
                next = sampler.Sample(logits, generator.Tokens);
                float gap = TopTwoGap(logits);
                if (gap < smallestGap) { smallestGap = gap; smallestStep = pos; }
            }
            pos++;
            if (next == Llama2cTokenizer.BosId) break;
            AppendAsRunPrints(text, tokenizer, token, next);
            ids.Add(next);
            token = next;
            if (start == 0) start = clock.ElapsedTicks;
        }
        double seconds = (clock.ElapsedTicks - start) / (double)Stopwatch.Frequency;
        return new Result(ids, [.. text], pos > 1 ? (pos - 1) / seconds : 0, smallestGap, smallestStep);
    }

    /// <summary>
    /// The bytes <c>run</c> prints for <paramref name="next"/> after <paramref name="previous"/>: its
    /// piece, minus a leading space right after &lt;s&gt;, &lt;0xNN&gt; as that byte, and a lone byte
    /// that is neither printable ASCII nor whitespace printed as nothing (its <c>safe_printf</c>).
    /// </summary>
    internal static void AppendAsRunPrints(List<byte> output, Llama2cTokenizer tokenizer, int previous, int next)
    {
        byte[] piece = tokenizer.TokenBytes(next);
        int skip = previous == Llama2cTokenizer.BosId && piece.Length > 0 && piece[0] == ' ' ? 1 : 0;
        ReadOnlySpan<byte> p = piece.AsSpan(skip);
        if (p.Length == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>'
            && byte.TryParse(System.Text.Encoding.ASCII.GetString(p[3..5]), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            p = new[] { b };
        if (p.Length == 0) return;
        if (p.Length == 1 && !(p[0] is >= 0x20 and <= 0x7E || p[0] is >= 0x09 and <= 0x0D)) return;
        output.AddRange(p.ToArray());
    }

    private static float TopTwoGap(ReadOnlySpan<float> logits)
    {
        float best = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float v in logits)
        {
            if (v > best) { second = best; best = v; }
            else if (v > second) second = v;
        }
        return best - second;
    }

    private static (byte[] Text, double TokensPerSecond) RunPeer(string runPath, string model, string tokenizer, string prompt, int steps, int threads)
    {
        var info = new ProcessStartInfo(runPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.GetFullPath(model), "-z", Path.GetFullPath(tokenizer), "-t", "0", "-n", steps.ToString(CultureInfo.InvariantCulture), "-i", prompt })
            info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(info) ?? throw new CliException($"could not start '{runPath}'");
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        string stderr = stderrTask.Result;
        if (process.ExitCode != 0) throw new CliException($"'{runPath}' exited with {process.ExitCode}: {stderr.Trim()}");
        var bytes = buffer.ToArray();
        if (bytes.Length > 0 && bytes[^1] == '\n') bytes = bytes[..^1]; // run ends its text with one newline
        const string marker = "achieved tok/s: ";
        int at = stderr.IndexOf(marker, StringComparison.Ordinal);
        double rate = at < 0 ? 0 : double.Parse(stderr[(at + marker.Length)..].Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
        return (bytes, rate);
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return a.Length == b.Length ? -1 : n;
    }

    private static string Printable(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes).Replace("\n", "\\n");
}
