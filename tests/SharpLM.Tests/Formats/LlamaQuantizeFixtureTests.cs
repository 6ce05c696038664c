using System.Runtime.CompilerServices;
using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tests.Models;

namespace SharpLM.Tests.Formats;

/// <summary>
/// Files quantized by llama.cpp's own tool. How they were made: SharpLM wrote the model below
/// (<see cref="Model"/>, seed 21) as a float32 GGUF; llama.cpp's <c>llama-quantize</c> (built from the
/// ggerganov/llama.cpp snapshot of 2025-02-20, CPU, GGML_NATIVE) converted it to Q4_K_M (a mix of
/// q4_k, q6_k and q8_0) and to Q4_0 (q4_0 with a q6_k head). Both files are committed under
/// Fixtures/gguf; the float32 model is rebuilt here from its seed.
/// </summary>
public sealed class LlamaQuantizeFixtureTests
{
    private static string Fixture(string name, [CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Fixtures", "gguf", name);

    private static Gpt Model()
    {
        var config = GptGgufTests.Llama(width: 256) with { Layers = 1 };
        return GptGgufTests.RandomModel(config, 21);
    }

    [Theory]
    [InlineData("llama-quantize.q4_k_m.gguf")]
    [InlineData("llama-quantize.q4_0.gguf")]
    public void Our_reference_quantizers_write_the_same_blocks_as_llama_quantize(string name)
    {
        var model = Model();
        string f32 = Path.Combine(Path.GetTempPath(), $"sharplm-fixture-{Guid.NewGuid():N}.gguf");
        try
        {
            GptGguf.Save(model, f32, QuantType.F32); // the very file llama-quantize read
            using var source = GgufFile.Open(f32);
            using var theirs = GgufFile.Open(Fixture(name));
            var types = new HashSet<QuantType>();
            foreach (var t in theirs.Tensors)
            {
                types.Add(t.Type);
                var ours = QuantCodec.Quantize(t.Type, source.ReadTensor(t.Name).Span);
                Assert.True(ours.AsSpan().SequenceEqual(theirs.Bytes(t)), $"{name}: {t.Name} ({QuantTypes.Name(t.Type)}) differs from llama-quantize's bytes");
            }
            Assert.Contains(name.Contains("q4_k") ? QuantType.Q4_K : QuantType.Q4_0, types);
            Assert.Contains(QuantType.Q6_K, types);
        }
        finally { File.Delete(f32); }
    }

    [Theory]
    [InlineData("llama-quantize.q4_k_m.gguf")]
    [InlineData("llama-quantize.q4_0.gguf")]
    public void Llama_quantize_files_load_and_run_in_sharplm(string name)
    {
        using var file = GgufFile.Open(Fixture(name));
        var loaded = GptGguf.Load(file);
        var model = Model();
        // Dequantized weights are near the originals (4-bit: within a few percent RMS) and rows are in our order.
        var original = model.Blocks[0].Attention.QkvProjection.Weight.Data.Span;
        var back = loaded.Blocks[0].Attention.QkvProjection.Weight.Data.Span;
        double err = 0, norm = 0;
        for (int i = 0; i < original.Length; i++) { err += (original[i] - back[i]) * (double)(original[i] - back[i]); norm += original[i] * (double)original[i]; }
        Assert.True(Math.Sqrt(err / norm) < 0.1, $"relative RMS {Math.Sqrt(err / norm):F3}");
        int[] prompt = [5, 9, 60, 2];
        var reference = new Generator(loaded).Prefill(prompt).ToArray();
        var quantized = new Generator(QuantizedWeights.FromGguf(file)).Prefill(prompt).ToArray();
        double scale = reference.Max(Math.Abs), diff = reference.Zip(quantized, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(diff / scale < 0.03, $"{name}: quantized engine differs by {diff / scale:P2} from the dequantized float32 model");
    }
}
