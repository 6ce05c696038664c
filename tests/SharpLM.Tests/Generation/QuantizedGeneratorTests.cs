using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tests.Models;

namespace SharpLM.Tests.Generation;

public sealed class QuantizedGeneratorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-quantgen-" + Guid.NewGuid().ToString("N"));

    public QuantizedGeneratorTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly int[] Prompt = [3, 17, 42, 5, 88, 1, 60, 9];

    private static double MaxRelative(float[] a, float[] b)
    {
        double scale = a.Max(Math.Abs), diff = 0;
        for (int i = 0; i < a.Length; i++) diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
        return diff / scale;
    }

    // int8 activations (as llama.cpp quantizes them) carry ~0.4% error per element; through two layers of random
    // weights the logits move by up to ~2-3% of the largest. The weight types themselves add little on top (F16: 1e-4).
    // The reference: the same weights dequantized to float32 (GGUF round trip), run by the float32 engine.
    private (Generator Quantized, Generator Reference, GgufFile File) Pair(GptConfig config, QuantType type)
    {
        var model = GptGgufTests.RandomModel(config, 11);
        string path = Path.Combine(_dir, $"{QuantTypes.Name(type)}.{Guid.NewGuid():N}.gguf");
        GptGguf.Save(model, path, type);
        var file = GgufFile.Open(path);
        return (new Generator(QuantizedWeights.FromGguf(file)), new Generator(GptGguf.Load(file)), file);
    }

    [Theory]
    [InlineData(QuantType.Q8_0, "llama", 0.03)]
    [InlineData(QuantType.Q8_0, "gpt2", 0.03)]
    [InlineData(QuantType.Q4_0, "llama", 0.03)]
    [InlineData(QuantType.Q4_K, "llama", 0.03)]
    [InlineData(QuantType.Q6_K, "qwen2", 0.03)]
    [InlineData(QuantType.F16, "llama", 1e-4)]
    [InlineData(QuantType.BF16, "gpt2", 1e-4)]
    public void Cached_decode_on_quantized_weights_stays_close_to_fp32_decode_of_the_dequantized_model(QuantType type, string arch, double tolerance)
    {
        var config = arch switch
        {
            "gpt2" => GptGgufTests.Gpt2Shape() with { Width = 256, Heads = 4 },
            "qwen2" => GptGgufTests.Llama(width: 256, qkvBias: true),
            _ => GptGgufTests.Llama(width: 256),
        };
        var (q, reference, file) = Pair(config, type);
        using (file)
        {
            Assert.True(MaxRelative(reference.Prefill(Prompt).ToArray(), q.Prefill(Prompt).ToArray()) < tolerance);
            foreach (int id in new[] { 7, 70, 2, 33, 91 })
            {
                var a = reference.Decode(id).ToArray();
                var b = q.Decode(id).ToArray();
                double rel = MaxRelative(a, b);
                Assert.True(rel < tolerance, $"{type}/{arch}: decode logits differ by {rel:P2} of the largest logit");
            }
        }
    }

    [Fact]
    public void Quantized_decode_equals_quantized_prefill_of_the_whole_sequence()
    {
        var (q, _, file) = Pair(GptGgufTests.Llama(width: 256), QuantType.Q4_K);
        using (file)
        {
            var full = q.Prefill(Prompt).ToArray();
            var weights = q.Quantized!;
            var step = new Generator(weights);
            step.Prefill(Prompt[..3]);
            float[] last = [];
            foreach (int id in Prompt[3..]) last = step.Decode(id).ToArray();
            Assert.True(MaxRelative(full, last) < 1e-5, $"decode vs prefill differ by {MaxRelative(full, last):E2}");
        }
    }

    [Fact]
    public unsafe void Mapped_weights_are_not_copied_except_reordered_q_and_k()
    {
        var (q, _, file) = Pair(GptGgufTests.Llama(width: 256), QuantType.Q8_0);
        using (file)
        {
            var w = q.Quantized!;
            var up = w.Blocks[0].Up.Parts[0];
            Assert.Same(file, up.Owner);
            Assert.True(up.Data == file.Data(file.Info("blk.0.ffn_up.weight")));
            Assert.Same(file, w.Blocks[0].Qkv.Parts[2].Owner);       // v: in place
            Assert.NotSame(file, w.Blocks[0].Qkv.Parts[0].Owner);    // q: rows reordered into rotate-half order
            Assert.Equal(file.Tensors.Where(t => t.Dimensions.Length == 2).Sum(t => t.ByteCount), w.MatrixBytes);
        }
    }

    [Fact]
    public void In_memory_quantization_matches_the_gguf_mapped_weights()
    {
        var model = GptGgufTests.RandomModel(GptGgufTests.Llama(width: 256), 11);
        string path = Path.Combine(_dir, "same.gguf");
        GptGguf.Save(model, path, QuantType.Q8_0);
        using var file = GgufFile.Open(path);
        var mapped = new Generator(QuantizedWeights.FromGguf(file)).Prefill(Prompt).ToArray();
        var memory = new Generator(QuantizedWeights.FromModel(model, QuantType.Q8_0)).Prefill(Prompt).ToArray();
        Assert.Equal(memory, mapped);
    }

    [Fact]
    public void Quantized_decode_allocates_nothing_per_token()
    {
        var (q, _, file) = Pair(GptGgufTests.Llama(width: 256), QuantType.Q4_K);
        using (file)
        {
            int saved = KernelThreads.Count;
            try
            {
                KernelThreads.Count = 1;
                q.Prefill(Prompt);
                q.Decode(4); // warm-up: buffers sized, jobs created
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 5; i++) q.Decode(10 + i);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            finally { KernelThreads.Count = saved; }
        }
    }
}
