using System.Diagnostics;
using SharpLM.Generation;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// The one prefill-then-decode timing loop of the decode benchmarks (fp32 and GGUF): a seeded
/// random prompt prefilled in one pass, then greedy decoding token by token; one untimed warm-up
/// run (JIT, caches), then <c>repeat</c> timed runs whose medians are reported.
/// </summary>
internal static class DecodeTiming
{
    /// <summary>Median prefill and decode tokens/s; <paramref name="onRun"/> sees each timed run (index, prefill, decode).</summary>
    public static (double PrefillMedian, double DecodeMedian) Measure(Generator generator, int vocabSize, int promptTokens, int newTokens, int repeat,
        Action<int, double, double>? onRun = null)
    {
        var sampler = new Sampler(vocabSize, SamplerOptions.Greedy);
        var rng = new Rng(7);
        var prompt = new int[promptTokens];
        for (int i = 0; i < prompt.Length; i++) prompt[i] = rng.NextInt(vocabSize);
        var prefill = new double[repeat];
        var decode = new double[repeat];
        for (int r = -1; r < repeat; r++)   // run -1 warms up
        {
            generator.Reset();
            var sw = Stopwatch.StartNew();
            int next = sampler.Sample(generator.Prefill(prompt), generator.Tokens);
            double prefillSeconds = sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (int i = 0; i < newTokens; i++) next = sampler.Sample(generator.Decode(next), generator.Tokens);
            double decodeSeconds = sw.Elapsed.TotalSeconds;
            if (r < 0) continue;
            prefill[r] = promptTokens / prefillSeconds;
            decode[r] = newTokens / decodeSeconds;
            onRun?.Invoke(r, prefill[r], decode[r]);
        }
        Array.Sort(prefill);
        Array.Sort(decode);
        return (prefill[repeat / 2], decode[repeat / 2]);
    }
}
