using System.Text;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Generation;

public class StreamingTests
{
    // Byte-level BPE with only a few merges: characters outside the training text stay split into single bytes.
    private static readonly Lazy<ITokenizer> Bytes = new(() =>
        BpeTrainer.Train(["hello world, hello there"], vocabSize: 262, specialTokens: ["<|endoftext|>"]));

    [Fact]
    public void AMultiByteCharacterSplitAcrossTokensPrintsOnceWhole()
    {
        var tok = Bytes.Value;
        foreach (var ch in new[] { "é", "€", "🙂" })
        {
            var ids = tok.Encode("a" + ch + "b");
            Assert.Equal(2 + Encoding.UTF8.GetByteCount(ch), ids.Length); // the character really is split, one byte per token
            var stream = new TextStream(tok);
            var pieces = ids.Select(stream.Push).Append(stream.Finish()).ToList();
            Assert.Equal("a" + ch + "b", string.Concat(pieces));
            Assert.Single(pieces, p => p.Contains(ch));
            Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
            // Nothing is printed while the character is incomplete; it appears whole with its last byte.
            int last = Encoding.UTF8.GetByteCount(ch); // index of the token holding the last byte
            for (int i = 1; i < last; i++) Assert.Equal("", pieces[i]);
            Assert.Equal(ch, pieces[last]);
        }
    }

    [Fact]
    public void StopSequencesAreHeldBackAndNeverPartlyPrinted()
    {
        var tok = Bytes.Value;
        var stream = new TextStream(tok, ["wor", "!!"]);
        var printed = new StringBuilder();
        foreach (var id in tok.Encode("hello world, more"))
        {
            printed.Append(stream.Push(id));
            Assert.DoesNotContain("w", printed.ToString()); // not even the first letter of the stop sequence shows
        }
        printed.Append(stream.Finish());
        Assert.True(stream.Stopped);
        Assert.Equal("hello ", printed.ToString());

        // A held-back prefix that turns out not to be a stop sequence is printed after all.
        var s2 = new TextStream(tok, ["worm"]);
        var text = string.Concat(tok.Encode("hello wor").Select(s2.Push)) + s2.Finish();
        Assert.False(s2.Stopped);
        Assert.Equal("hello wor", text);
    }

    [Fact]
    public async Task TextGeneratorStreamsDeterministicallyAndHonoursMaxTokensAndStops()
    {
        var tok = Bytes.Value;
        var model = TestModels.Random(TestModels.Tiny(vocab: tok.VocabSize, block: 64), seed: 21);
        var gen = new TextGenerator(model, tok);
        var greedy = new GenerationOptions { MaxTokens = 12, Sampling = SamplerOptions.Greedy, IgnoreStopToken = true };
        var pieces = gen.Stream("hello", greedy).ToList();
        Assert.Equal(12, gen.LastStats!.GeneratedTokens);
        Assert.Equal(FinishReason.Length, gen.LastStats.Finish);
        Assert.Equal(1 + 12 - 1, gen.Generator.Position - tok.Encode("hello").Length + 1); // prompt + 11 decoded (the 12th is sampled, not fed)
        var whole = gen.Generate("hello", greedy);
        Assert.Equal(whole, string.Concat(pieces));
        var asyncPieces = new List<string>();
        await foreach (var p in gen.StreamAsync("hello", greedy)) asyncPieces.Add(p);
        Assert.Equal(whole, string.Concat(asyncPieces));

        // The same ids through the token-level API give the same text.
        var g = new Generator(model);
        var sampler = new Sampler(model.Config.VocabSize, SamplerOptions.Greedy);
        var ids = new List<int> { sampler.Sample(g.Prefill(tok.Encode("hello")), g.Tokens) };
        while (ids.Count < 12) ids.Add(sampler.Sample(g.Decode(ids[^1]), g.Tokens));
        Assert.Equal(tok.Decode(ids.ToArray()), whole);

        // A stop sequence taken from the greedy output cuts the text right before it.
        if (whole.Length >= 6)
        {
            string stop = whole.Substring(4, 2);
            var cut = gen.Generate("hello", greedy with { StopSequences = [stop] });
            Assert.Equal(whole[..whole.IndexOf(stop, StringComparison.Ordinal)], cut);
            Assert.Equal(FinishReason.StopSequence, gen.LastStats.Finish);
        }
    }

    [Fact]
    public void StopOverflowModeEndsGenerationWhenTheWindowIsFull()
    {
        var tok = Bytes.Value;
        var model = TestModels.Random(TestModels.Tiny(vocab: tok.VocabSize, block: 12), seed: 23);
        var gen = new TextGenerator(model, tok, new GeneratorOptions { Overflow = ContextOverflow.Stop });
        gen.Generate("hello", new GenerationOptions { MaxTokens = 50, Sampling = SamplerOptions.Greedy, IgnoreStopToken = true });
        Assert.Equal(FinishReason.ContextFull, gen.LastStats!.Finish);
        Assert.Equal(12, gen.Generator.Position);
        Assert.Equal(12 - tok.Encode("hello").Length + 1, gen.LastStats.GeneratedTokens); // the window's free slots, plus the token sampled from the last logits

        var sliding = new TextGenerator(model, tok);
        sliding.Generate("hello", new GenerationOptions { MaxTokens = 50, Sampling = SamplerOptions.Greedy, IgnoreStopToken = true });
        Assert.Equal(FinishReason.Length, sliding.LastStats!.Finish);
        Assert.True(sliding.Generator.Slides > 0);
    }

    [Fact]
    public void ChatTurnsContinueTheCachedConversation()
    {
        var tok = Bytes.Value;
        var model = TestModels.Random(TestModels.Tiny(vocab: tok.VocabSize, block: 64), seed: 22);
        var gen = new TextGenerator(model, tok);
        var o = new GenerationOptions { MaxTokens = 5, Sampling = SamplerOptions.Greedy, IgnoreStopToken = true };
        var first = gen.Generate("hello", o);
        int after1 = gen.Generator.Position;
        var second = string.Concat(gen.Continue(" there", o));
        Assert.True(gen.Generator.Position > after1);
        // The cache now holds prompt 1, reply 1 (all 5 tokens) and prompt 2: the same as one fresh prompt of those ids.
        var fresh = new Generator(model);
        var logits = fresh.Prefill(gen.Generator.Tokens).ToArray();
        KvCacheTests.AssertClose(logits, gen.Generator.Logits.ToArray(), "chat cache vs fresh prefill");
        Assert.NotNull(first);
        Assert.NotNull(second);
    }
}
