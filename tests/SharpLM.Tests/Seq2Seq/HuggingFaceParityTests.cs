using System.Text.Json;
using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>
/// Hugging Face parity. The fixtures are tiny random models (T5 with ReLU and tied head, T5 v1.1 with
/// gated GELU and untied head, BART with randomized norms, biases and final_logits_bias) saved by
/// <see cref="EncoderDecoderHuggingFace.Save"/>, then loaded, outside the project, by transformers
/// 4.39's own T5ForConditionalGeneration / BartForConditionalGeneration in strict mode (every tensor
/// used, none missing) and run on the recorded input and decoder input ids; its logits are
/// transformers_logits.json. Here we load the same folders and must produce the same logits.
/// </summary>
public class HuggingFaceParityTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Seq2Seq", "Fixtures", name);

    [Theory]
    [InlineData("t5", "T5ForConditionalGeneration")]
    [InlineData("t5g", "T5ForConditionalGeneration")]
    [InlineData("bart", "BartForConditionalGeneration")]
    public void LogitsEqualTransformers(string name, string modelClass)
    {
        var dir = Fixture(name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "transformers_logits.json")));
        var root = doc.RootElement;
        Assert.Equal(modelClass, root.GetProperty("model_class").GetString());
        int[] src = root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] dec = root.GetProperty("decoder_input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        float[] expected = root.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var model = EncoderDecoderHuggingFace.Load(dir);
        var tape = new Tape(recordGradients: false) { Training = false };
        var encoded = model.Encode(tape, src, [src.Length], 1, src.Length);
        var logits = model.Head(tape, model.DecodeHidden(tape, encoded, [src.Length], dec, 1, dec.Length)).Data.ToArray();
        Assert.Equal(expected.Length, logits.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], logits[i], 5e-5);

        // The cached engine gives the same logits step by step.
        var engine = new Seq2SeqEngine(model, 1, dec.Length);
        var cache = engine.Start([src]);
        int v = model.Config.VocabSize;
        for (int t = 0; t < dec.Length; t++)
        {
            var step = engine.Step(cache, [dec[t]]);
            for (int i = 0; i < v; i++) Assert.Equal(expected[t * v + i], step[i], 5e-5);
        }
    }

    [Fact]
    public void SaveThenLoadIsBitExact()
    {
        var model = EncoderDecoderHuggingFace.Load(Fixture("t5g"));
        var dir = Directory.CreateTempSubdirectory("sharplm-t5-save").FullName;
        try
        {
            model.Save(dir);
            var again = EncoderDecoderHuggingFace.Load(dir);
            Assert.Equal(model.Config, again.Config);
            foreach (var ((n, a), (_, b)) in model.NamedParameters().Zip(again.NamedParameters()))
                Assert.True(a.Data.Span.SequenceEqual(b.Data.Span), n);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingTensorAndBadConfigGetClearErrors()
    {
        var dir = Directory.CreateTempSubdirectory("sharplm-t5-bad").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), "{\"model_type\": \"t5\", \"feed_forward_proj\": \"swish\"}");
            Assert.Contains("feed_forward_proj", Assert.Throws<InvalidDataException>(() => EncoderDecoderHuggingFace.Load(dir)).Message);
            File.Copy(Path.Combine(Fixture("bart"), "config.json"), Path.Combine(dir, "config.json"), true);
            File.Copy(Path.Combine(Fixture("t5"), "model.safetensors"), Path.Combine(dir, "model.safetensors"), true);
            Assert.Contains("is missing", Assert.Throws<InvalidDataException>(() => EncoderDecoderHuggingFace.Load(dir)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
