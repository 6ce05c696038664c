using System.Text.Json;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Models;

namespace SharpLM.Tests.Formats;

/// <summary>
/// Our forward pass on checkpoints we wrote equals Hugging Face transformers' own classes on
/// the same files. The fixtures under Fixtures/HuggingFace/NAME were made outside the project:
/// a small model with random weights (seeded; 2 layers) was saved by GptHuggingFace.Save, then
/// transformers 4.39 on PyTorch 1.13 (CPU, float32, eager attention) loaded that folder strictly
/// (no missing, unexpected or mis-shaped tensor) in the class named in hf_logits.json and
/// recorded the logits for its input ids. So these prove both our loader/forward and that what
/// Save writes is what transformers needs: GPT-2 without biases (zero biases written), with
/// sinusoidal positions as wpe, LLaMA with grouped-query attention, tied LLaMA with
/// multi-query attention, θ = 500,000 and linear rope scaling, and Qwen2's q/k/v biases.
/// </summary>
public sealed class HuggingFaceParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-hfparity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Fixtures => new()
    {
        { "gpt2-nobias", "GPT2LMHeadModel" },
        { "gpt2-nobias-sinusoidal-untied", "GPT2LMHeadModel" },
        { "llama-gqa", "LlamaForCausalLM" },
        { "llama-tied-linear", "LlamaForCausalLM" },
        { "qwen2", "Qwen2ForCausalLM" },
    };

    internal static string FixtureDir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "HuggingFace", name);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void LogitsEqualTransformers(string name, string hfClass)
    {
        string dir = FixtureDir(name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "hf_logits.json")));
        var root = json.RootElement;
        Assert.Equal(hfClass, root.GetProperty("class").GetString());
        int[] ids = root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = root.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();

        var model = GptHuggingFace.Load(dir);
        var c = model.Config;
        Assert.Null(GptHuggingFace.TransformersIncompatibility(c));
        var logits = model.Forward(new Tape(recordGradients: false), ids, 1, ids.Length).Data.Span;
        double worst = 0;
        for (int t = 0; t < ids.Length; t++)
        {
            Assert.Equal(c.VocabSize, expected[t].Length);
            for (int v = 0; v < c.VocabSize; v++)
                worst = Math.Max(worst, Math.Abs(logits[t * c.PaddedVocabSize + v] - expected[t][v]));
        }
        Assert.True(worst < 1e-4, $"{name}: max |ours − transformers| = {worst:G3}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void SavingTheLoadedModelRewritesTheSameTensors(string name, string hfClass)
    {
        _ = hfClass;
        string dir = FixtureDir(name);
        var model = GptHuggingFace.Load(dir);
        string again = Path.Combine(_dir, name);
        GptHuggingFace.Save(model, again);
        var original = Safetensors.Read(Path.Combine(dir, "model.safetensors"));
        var rewritten = Safetensors.Read(Path.Combine(again, "model.safetensors"));
        Assert.Equal(original.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), rewritten.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var (tensorName, tensor) in original.Tensors)
        {
            var other = rewritten[tensorName];
            Assert.Equal(tensor.ShapeArray, other.ShapeArray);
            Assert.True(tensor.Span.SequenceEqual(other.Span), $"{tensorName} changed");
        }
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "config.json")), File.ReadAllText(Path.Combine(again, "config.json")));
    }
}
