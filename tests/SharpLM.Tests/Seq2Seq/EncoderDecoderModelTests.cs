using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>The T5/BART model: relative buckets, Hugging Face names, gradients through the whole model.</summary>
public class EncoderDecoderModelTests
{
    internal static EncoderDecoderConfig TinyT5(FeedForwardKind ff = FeedForwardKind.Relu, bool tied = true) =>
        EncoderDecoderConfig.Preset("t5-tiny", 23) with { Width = 8, Heads = 2, HeadSize = 3, FeedForwardWidth = 12, EncoderLayers = 2, DecoderLayers = 2, RelativeBuckets = 8, RelativeMaxDistance = 16, FeedForward = ff, TiedEmbeddings = tied };

    internal static EncoderDecoderConfig TinyBart() =>
        EncoderDecoderConfig.Preset("bart-tiny", 23) with { Width = 8, Heads = 2, FeedForwardWidth = 12, EncoderLayers = 2, DecoderLayers = 2, MaxPositions = 16 };

    [Theory]
    // Hand-computed from T5's rule (32 buckets, max distance 128): bidirectional halves of 16, exact below 8.
    [InlineData(0, true, 0)]
    [InlineData(-1, true, 1)]
    [InlineData(1, true, 17)]
    [InlineData(-8, true, 8)]
    [InlineData(-20, true, 10)]   // 8 + ⌊ln 2.5 / ln 16 · 8⌋ = 8 + 2
    [InlineData(-200, true, 15)]
    [InlineData(200, true, 31)]
    [InlineData(5, false, 0)]     // causal: keys after the query share bucket 0
    [InlineData(-5, false, 5)]
    [InlineData(-20, false, 17)]  // 16 + ⌊ln 1.25 / ln 8 · 16⌋ = 16 + 1
    [InlineData(-127, false, 31)]
    [InlineData(-128, false, 31)]
    public void RelativeBucketsFollowT5(int relative, bool bidirectional, int expected) =>
        Assert.Equal(expected, EncoderDecoderRelativePositions.Bucket(relative, bidirectional, 32, 128));

    [Fact]
    public void ParameterNamesAreHuggingFaces()
    {
        var t5 = new EncoderDecoder(TinyT5(FeedForwardKind.GatedGelu, tied: false), 1).NamedParameters().Select(p => p.Name).ToHashSet();
        Assert.Contains("shared.weight", t5);
        Assert.Contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", t5);
        Assert.DoesNotContain("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", t5);
        Assert.Contains("decoder.block.1.layer.1.EncDecAttention.o.weight", t5);
        Assert.Contains("decoder.block.1.layer.2.DenseReluDense.wi_0.weight", t5);
        Assert.Contains("encoder.block.1.layer.1.layer_norm.weight", t5);
        Assert.Contains("decoder.final_layer_norm.weight", t5);
        Assert.Contains("lm_head.weight", t5);
        Assert.DoesNotContain(t5, n => n.EndsWith(".bias"));

        var bart = new EncoderDecoder(TinyBart(), 1).NamedParameters().Select(p => p.Name).ToHashSet();
        Assert.Contains("model.shared.weight", bart);
        Assert.Contains("model.encoder.embed_positions.weight", bart);
        Assert.Contains("model.encoder.layernorm_embedding.bias", bart);
        Assert.Contains("model.encoder.layers.1.fc1.weight", bart);
        Assert.Contains("model.decoder.layers.0.encoder_attn.out_proj.bias", bart);
        Assert.Contains("model.decoder.layers.0.encoder_attn_layer_norm.weight", bart);
        Assert.Contains("final_logits_bias", bart);
    }

    internal static EncoderDecoderBatch RandomBatch(EncoderDecoderConfig config, int b, int s, int t, ulong seed)
    {
        var rng = new Rng(seed);
        var source = Enumerable.Range(0, b * s).Select(_ => 3 + rng.NextInt(config.VocabSize - 3)).ToArray();
        int[] lengths = Enumerable.Range(0, b).Select(i => i == 0 ? s : Math.Max(1, s - 2)).ToArray();
        var targets = Enumerable.Range(0, b * t).Select(_ => 3 + rng.NextInt(config.VocabSize - 3)).ToArray();
        targets[^1] = -1;                                      // a padded target position
        var input = new int[b * t];
        for (int i = 0; i < b; i++)
            EncoderDecoderBatch.ShiftRight(targets.AsSpan(i * t, t), config.DecoderStartTokenId, config.PadTokenId).CopyTo(input, i * t);
        return new EncoderDecoderBatch(source, lengths, input, targets, b, s, t);
    }

    public static TheoryData<string> Families => new() { "t5-relu", "t5-gated", "bart" };

    [Theory]
    [MemberData(nameof(Families))]
    public void LossGradientsMatchFiniteDifferences(string family)
    {
        var config = family switch { "t5-relu" => TinyT5(), "t5-gated" => TinyT5(FeedForwardKind.GatedGelu, tied: false), _ => TinyBart() };
        var model = new EncoderDecoder(config, 7);
        var batch = RandomBatch(config, 2, 5, 4, 8);
        // A sample of every parameter tensor; ReLU's kink needs a smaller step so no pre-activation crosses 0.
        var parameters = model.NamedParameters().Select(p => p.Parameter).ToArray();
        float step = config.FeedForward == FeedForwardKind.Relu ? 1e-3f : 1e-2f;
        GradCheck.AssertGradients(t => model.Loss(t, batch), parameters, step: step, atol: 3e-3, rtol: 5e-2, maxChecksPerInput: 6);
    }

    [Fact]
    public void PaddingTheSourceChangesNothing()
    {
        var config = TinyT5();
        var model = new EncoderDecoder(config, 3);
        var tape = new Tape(recordGradients: false);
        int[] src = [4, 5, 6], dec = [0, 7, 8];
        var a = model.Head(tape, model.DecodeHidden(tape, model.Encode(tape, src, [3], 1, 3), [3], dec, 1, 3)).Data.ToArray();
        int[] padded = [4, 5, 6, 0, 0];
        var b = model.Head(tape, model.DecodeHidden(tape, model.Encode(tape, padded, [3], 1, 5), [3], dec, 1, 3)).Data.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-5);
    }

    [Fact]
    public void DecoderIsCausal()
    {
        var config = TinyBart();
        var model = new EncoderDecoder(config, 3);
        var tape = new Tape(recordGradients: false);
        int[] src = [4, 5, 6];
        var enc = model.Encode(tape, src, [3], 1, 3);
        var a = model.Head(tape, model.DecodeHidden(tape, enc, [3], [2, 7, 8], 1, 3)).Data.ToArray();
        var b = model.Head(tape, model.DecodeHidden(tape, enc, [3], [2, 7, 9], 1, 3)).Data.ToArray();
        int v = config.VocabSize;
        for (int i = 0; i < 2 * v; i++) Assert.Equal(a[i], b[i], 1e-5);   // positions 0 and 1 do not see position 2
        Assert.NotEqual(a[2 * v], b[2 * v]);
    }

    [Fact]
    public void PresetsHaveTheirPublishedSizes()
    {
        Assert.Equal(60_506_624, new EncoderDecoder(EncoderDecoderConfig.Preset("t5-small"), 1).ParameterCount());
        var bart = EncoderDecoderConfig.Preset("bart-base");
        Assert.Equal((768, 12, 6, 6, 1024), (bart.Width, bart.Heads, bart.EncoderLayers, bart.DecoderLayers, bart.MaxPositions));
        Assert.Throws<ArgumentException>(() => EncoderDecoderConfig.Preset("t6"));
    }
}
