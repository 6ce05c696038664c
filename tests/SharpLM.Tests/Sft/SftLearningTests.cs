using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Sft;

/// <summary>Instruction tuning works: a tiny decoder tuned on chats answers held-out questions the trained way (answer loss falls, ROUGE-L rises against the base); ROUGE-L/EM scoring on hand-computed cases.</summary>
public sealed class SftLearningTests
{
    /// <summary>Made-up words: the answer repeats the question's word inside a fixed sentence, so held-out words test the learned format, not memory.</summary>
    internal static string[] Words(int count, int seed)
    {
        var rng = new Random(seed);
        const string letters = "bcdfgklmnprstvz", vowels = "aeiou";
        var set = new HashSet<string>();
        while (set.Count < count)
            set.Add($"{letters[rng.Next(letters.Length)]}{vowels[rng.Next(vowels.Length)]}{letters[rng.Next(letters.Length)]}{vowels[rng.Next(vowels.Length)]}");
        return set.ToArray();
    }

    internal static InstructionConversation Chat(string word) =>
        new([new ChatMessage("user", $"What does {word} do?"), new ChatMessage("assistant", $"It returns the {word} value.")]);

    [Fact]
    public void ATunedDecoderAnswersHeldOutQuestionsTheTrainedWay()
    {
        var words = Words(70, 3);
        var train = words[..50].Select(Chat).ToList();
        var heldOut = words[50..].Select(Chat).ToList();
        var template = ChatTemplates.Get("chatml");
        var tok = CharTokenizer.Train(train.Concat(heldOut).Select(c => template.Render(c.Messages, false)), ["<|endoftext|>"]);
        var config = new GptConfig { VocabSize = tok.VocabSize, BlockSize = 128, Layers = 2, Heads = 2, Width = 48 };
        var model = new Gpt(config, 11);
        var baseModel = new Gpt(config, 11);   // the same weights, never tuned

        var trainEx = SftEncoder.EncodeAll(tok, template, train, 128, false, "train");
        var evalEx = SftEncoder.EncodeAll(tok, template, heldOut, 128, false, "eval");
        var objective = new SftObjective(model, trainEx, evalEx, batchSize: 16);
        var trainer = new Trainer(objective, new TrainingOptions
        {
            BatchSize = 16, BlockSize = 128, MaxSteps = 250, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 20, WeightDecay = 0, Seed = 5,
        });
        float before = trainer.EvaluateValidation().Loss;
        while (trainer.Step < trainer.Options.MaxSteps) trainer.TrainStep();
        float after = trainer.EvaluateValidation().Loss;
        Assert.True(after < 0.35f * before, $"held-out answer loss {before:F3} → {after:F3}");

        var tuned = InstructionAnswers.Score(new TextGenerator(model, tok), template, heldOut, maxTokens: 40);
        var untuned = InstructionAnswers.Score(new TextGenerator(baseModel, tok), template, heldOut, maxTokens: 40);
        Assert.True(tuned.RougeL > untuned.RougeL + 40, $"ROUGE-L base {untuned.RougeL:F1} → tuned {tuned.RougeL:F1}");
        Assert.True(tuned.RougeL > 70, $"tuned ROUGE-L {tuned.RougeL:F1}");
        // The answers stop at the end-of-turn marker: no run-on into a new turn.
        Assert.All(tuned.Answers, a => Assert.DoesNotContain("<|im_start|>", a.Answer));
        Assert.All(tuned.Answers, a => Assert.StartsWith("It returns the", a.Answer));
    }

    [Fact]
    public void RougeLAndExactMatchOnHandComputedCases()
    {
        // LCS of "the cat sat on the mat" and "the cat is on the mat" is "the cat on the mat" (5 words): P = R = 5/6.
        var a = new InstructionAnswer("q", "The cat is on the mat.", "the cat sat on the mat");
        Assert.Equal(5.0 / 6, a.RougeL, 12);
        Assert.False(a.ExactMatch);
        // Hypothesis 3 words, reference 6, LCS 2 ("gets", "value"): P = 2/3, R = 2/6, F = 2PR/(P+R) = 4/9.
        var b = new InstructionAnswer("q", "Gets or sets the value now.", "gets a value");
        Assert.Equal(4.0 / 9, b.RougeL, 12);
        var c = new InstructionAnswer("q", "Returns a string.", "  Returns a string.\n");
        Assert.True(c.ExactMatch);
        Assert.Equal(1, c.RougeL, 12);
        Assert.Equal(0, new InstructionAnswer("q", "abc", "").RougeL);
        // Corpus figures are means over the pairs, 0–100.
        string[] hyps = [a.Answer, b.Answer, c.Answer], refs = [a.Reference, b.Reference, c.Reference];
        Assert.Equal(100 * (5.0 / 6 + 4.0 / 9 + 1) / 3, SharpLM.Training.Metrics.RougeL.Corpus(hyps, refs), 10);
        Assert.Equal(100.0 / 3, SharpLM.Training.Metrics.ExactMatch.Corpus(hyps, refs), 10);
    }
}
