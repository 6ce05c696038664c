using SharpLM.Generation;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Generation;

public class BosTests
{
    private static readonly BpeTokenizer Tok = BpeTrainer.Train(["hello world, hello there"], vocabSize: 262, specialTokens: ["<s>", "</s>"]);

    [Fact]
    public void PrependBosStartsAFreshContextWithTheBeginningOfSequenceToken()
    {
        int bos = Tok.SpecialTokens["<s>"];
        Assert.Equal(bos, TextGenerator.BosTokenOf(Tok));
        var model = TestModels.Random(TestModels.TinyLlama(vocab: Tok.VocabSize), seed: 4);
        var gen = new TextGenerator(model, Tok);
        var greedy = new GenerationOptions { MaxTokens = 3, Sampling = SamplerOptions.Greedy, IgnoreStopToken = true };
        gen.Generate("hello", greedy with { PrependBos = true });
        Assert.Equal([bos, .. Tok.Encode("hello")], gen.Generator.Tokens[..(1 + Tok.Encode("hello").Length)].ToArray());
        gen.Generate("hello", greedy);
        Assert.Equal(Tok.Encode("hello"), gen.Generator.Tokens[..Tok.Encode("hello").Length].ToArray());
        // An empty prompt with no <|endoftext|> starts from <s>.
        gen.Generate("", greedy);
        Assert.Equal(bos, gen.Generator.Tokens[0]);
    }

    [Fact]
    public void PrependBosWithoutABosTokenIsAClearError()
    {
        var gpt = BpeTrainer.Train(["hello world"], vocabSize: 262, specialTokens: ["<|endoftext|>"]);
        var gen = new TextGenerator(TestModels.Random(TestModels.Tiny(vocab: gpt.VocabSize), seed: 1), gpt);
        var e = Assert.Throws<ArgumentException>(() => gen.Generate("hello", new GenerationOptions { MaxTokens = 1, PrependBos = true }));
        Assert.Contains("beginning-of-sequence", e.Message);
    }
}
