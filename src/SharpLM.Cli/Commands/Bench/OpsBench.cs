using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench ops</c>: forward and backward time of each autograd op a GPT training step
/// runs (attention, LayerNorm, GELU, cross-entropy, …) on GPT-2-small shapes, so the non-GEMM
/// share of a step can be watched.
/// </summary>
public static class OpsBench
{
    /// <summary>Creates the <c>ops</c> sub-command.</summary>
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batch = new Option<int>("--batch") { Description = "B, sequences per step.", DefaultValueFactory = _ => 4 };
        var time = new Option<int>("--time") { Description = "T, tokens per sequence.", DefaultValueFactory = _ => 256 };
        var channels = new Option<int>("--channels") { Description = "C, model width.", DefaultValueFactory = _ => 768 };
        var heads = new Option<int>("--heads") { Description = "H, attention heads.", DefaultValueFactory = _ => 12 };
        var vocab = new Option<int>("--vocab") { Description = "V, vocabulary size.", DefaultValueFactory = _ => 50304 };
        var repeat = new Option<int>("--repeat") { Description = "Timed repeats; the median is reported.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of a table." };
        var cmd = new Command("ops", "Forward/backward milliseconds of the training ops (attention, norms, activations, loss).");
        foreach (var o in new Option[] { threads, batch, time, channels, heads, vocab, repeat, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(threads), pr.GetValue(batch), pr.GetValue(time), pr.GetValue(channels), pr.GetValue(heads),
                pr.GetValue(vocab), pr.GetValue(repeat), pr.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static void Run(int threads, int b, int t, int c, int h, int v, int repeat, bool json)
    {
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        if (b < 1 || t < 1 || c < 1 || v < 1) throw new CliException("--batch, --time, --channels and --vocab must be ≥ 1");
        if (h < 1 || c % h != 0) throw new CliException($"--heads must divide --channels ({c}), got {h}");
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        KernelThreads.Count = threads;
        int n = b * t;
        Variable P(int[] shape, ulong seed, float std = 1, float mean = 0) => new(Tensor.RandomNormal(shape, mean, std, seed), requiresGrad: true);
        var rng = new Rng(5);
        int[] targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(v)).ToArray();
        var qkv = P([b, t, 3 * c], 1);
        var x = P([b, t, c], 2);
        var g = P([c], 3, 0.1f, 1);
        var beta = P([c], 4, 0.1f);
        var hidden = P([b, t, 4 * c], 5);
        var logits = P([n, v], 6, 2);
        var q = P([b, h, t, c / h], 7);
        var k = P([b, h, t, c / h], 8);
        var vv = P([b, h, t, c / h], 9);
        double attnFlops = 2.0 * b * h * t * (t + 1) * (c / h); // QKᵀ and PV over the causal triangle

        var cases = new (string Name, Func<Tape, Variable> Op, double Flops)[]
        {
            ("causal_self_attention", tape => tape.CausalSelfAttention(qkv, h), attnFlops),
            ("sdpa_causal", tape => tape.ScaledDotProductAttention(q, k, vv, causal: true), attnFlops),
            ("sdpa_bidirectional", tape => tape.ScaledDotProductAttention(q, k, vv), 2 * attnFlops * t / (t + 1)),
            ("layernorm", tape => tape.LayerNorm(x, g, beta), 0),
            ("rmsnorm", tape => tape.RmsNorm(x, g), 0),
            ("gelu", tape => tape.Gelu(hidden), 0),
            ("swiglu", tape => tape.SwiGlu(hidden, hidden), 0),
            ("softmax", tape => tape.Softmax(hidden), 0),
            ("cross_entropy", tape => tape.CrossEntropy(logits, targets), 0),
        };
        var inv = CultureInfo.InvariantCulture;
        if (!json)
        {
            Console.WriteLine($"Autograd op benchmark: B={b} T={t} C={c} H={h} V={v}, {threads} thread(s), median of {repeat}");
            Console.WriteLine($"{"op",-24}{"fwd ms",10}{"bwd ms",10}{"fwd GFLOP/s",13}{"bwd GFLOP/s",13}");
        }
        // One untimed round of every op first, so the JIT has compiled the shared GEMM and
        // kernel code before any op is timed (otherwise the first op listed pays for it).
        foreach (var (_, op, _) in cases) { var warm = new Tape(); var y = op(warm); y.GradOrZeros(warm).Span.Fill(1f); warm.BackwardFrom(y); }
        foreach (var (name, op, flops) in cases)
        {
            var tape = new Tape();
            var fwd = new double[repeat];
            var bwd = new double[repeat];
            for (int r = -2; r < repeat; r++) // r < 0 warms up the tape's pool and the caches
            {
                var sw = Stopwatch.StartNew();
                var y = op(tape);
                double f = sw.Elapsed.TotalMilliseconds;
                y.GradOrZeros(tape).Span.Fill(1f);
                sw.Restart();
                tape.BackwardFrom(y);
                double bk = sw.Elapsed.TotalMilliseconds;
                if (r >= 0) { fwd[r] = f; bwd[r] = bk; }
                tape.Reset();
            }
            Array.Sort(fwd); Array.Sort(bwd);
            double fm = fwd[repeat / 2], bm = bwd[repeat / 2];
            double fg = flops / (fm * 1e6), bg = 2 * flops / (bm * 1e6);
            if (json)
                Console.WriteLine(string.Format(inv, "{{\"bench\":\"ops\",\"op\":\"{0}\",\"b\":{1},\"t\":{2},\"c\":{3},\"h\":{4},\"v\":{5},\"threads\":{6},\"forward_ms\":{7:F3},\"backward_ms\":{8:F3}{9}}}",
                    name, b, t, c, h, v, threads, fm, bm, flops > 0 ? string.Format(inv, ",\"forward_gflops\":{0:F1},\"backward_gflops\":{1:F1}", fg, bg) : ""));
            else
                Console.WriteLine(string.Format(inv, "{0,-24}{1,10:F2}{2,10:F2}{3,13}{4,13}", name, fm, bm,
                    flops > 0 ? fg.ToString("F1", inv) : "-", flops > 0 ? bg.ToString("F1", inv) : "-"));
        }
    }
}
