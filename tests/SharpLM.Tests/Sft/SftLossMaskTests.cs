using SharpLM.Autograd;
using SharpLM.Chat;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Sft;

/// <summary>The SFT loss mask: exactly the assistant spans of the template's rendering are trained on; over-long conversations fail or are cut as asked; right padding changes nothing.</summary>
public sealed class SftLossMaskTests
{
    private static readonly ChatMessage[][] Conversations =
    [
        [new("user", "What does String.IsNullOrEmpty do?"), new("assistant", "Indicates whether the string is null or empty.")],
        [new("system", "You answer in one word."), new("user", "Colour of the sky?"), new("assistant", "Blue")],
        [new("user", "one"), new("assistant", "1"), new("user", "two"), new("assistant", "2 (deux)")],
    ];

    private static BpeTokenizer Tokenizer(ChatTemplate template) =>
        // Merges learned on the rendered text itself, so pieces would happily cross span borders if the encoder let them.
        BpeTrainer.Train(Conversations.Select(c => template.Render(c, false)).Concat(["the string is null or empty sky colour"]), 420, ["<|endoftext|>"]);

    [Theory]
    [InlineData("chatml")]
    [InlineData("llama2")]
    [InlineData("llama3")]
    [InlineData("alpaca")]
    public void TheLossMaskCoversExactlyTheAssistantSpans(string name)
    {
        var template = ChatTemplates.Get(name);
        var tok = Tokenizer(template);
        foreach (var messages in Conversations)
        {
            var spans = template.RenderSpans(messages, addGenerationPrompt: false);
            var e = SftEncoder.Encode(tok, template, messages, 4096, truncate: false, "test");
            Assert.Equal(template.Render(messages, false), tok.Decode(e.Ids));

            // Runs of equal mask values, decoded, are the spans: prompt runs merged, assistant spans one by one.
            var expected = new List<(string Text, bool Assistant)>();
            foreach (var s in spans)
            {
                if (!s.IsAssistant && expected.Count > 0 && !expected[^1].Assistant) expected[^1] = (expected[^1].Text + s.Text, false);
                else expected.Add((s.Text, s.IsAssistant));
            }
            var runs = new List<(string Text, bool Assistant)>();
            for (int i = 0; i < e.Ids.Length;)
            {
                int j = i;
                while (j < e.Ids.Length && e.IsAssistant[j] == e.IsAssistant[i]) j++;
                runs.Add((tok.Decode(e.Ids.AsSpan(i, j - i)), e.IsAssistant[i]));
                i = j;
            }
            Assert.Equal(expected, runs);
            // Each assistant run holds that answer and the end marker, and nothing of the user's words.
            var answers = messages.Where(m => m.Role == "assistant").ToArray();
            var trained = runs.Where(r => r.Assistant).Select(r => r.Text).ToArray();
            Assert.Equal(answers.Length, trained.Length);
            for (int k = 0; k < answers.Length; k++)
            {
                Assert.Contains(answers[k].Content, trained[k]);
                Assert.EndsWith(template.EosToken, trained[k].TrimEnd());
            }
            Assert.All(messages.Where(m => m.Role != "assistant"), m => Assert.DoesNotContain(trained, t => t.Contains(m.Content)));

            // The targets: the next id exactly where it is the assistant's, −1 everywhere else.
            var targets = e.Targets();
            Assert.Equal(e.Ids.Length - 1, targets.Length);
            for (int i = 0; i < targets.Length; i++)
                Assert.Equal(e.IsAssistant[i + 1] ? e.Ids[i + 1] : -1, targets[i]);
            Assert.Equal(e.IsAssistant.Count(a => a), e.TrainedTokens);
        }
    }

    [Fact]
    public void ATemplateStartTokenBecomesTheTokenizersRealOne()
    {
        var template = ChatTemplates.Get("llama2");
        var tok = BpeTrainer.Train(["[INST] hello [/INST] hi </s>"], 300, ["<s>"]);
        var e = SftEncoder.Encode(tok, template, Conversations[0], 4096, false, "test");
        Assert.Equal(tok.SpecialTokens["<s>"], e.Ids[0]);
        Assert.False(e.IsAssistant[0]);
        Assert.Equal(template.Render(Conversations[0], false)["<s>".Length..], tok.Decode(e.Ids.AsSpan(1)));
    }

    [Fact]
    public void AConversationLongerThanTheContextIsAnErrorOrIsCutWhenAsked()
    {
        var template = ChatTemplates.Get("chatml");
        var tok = Tokenizer(template);
        var messages = Conversations[0];
        int full = SftEncoder.Encode(tok, template, messages, 4096, false, "x").Ids.Length;
        int context = full - 3;

        var error = Assert.Throws<InvalidDataException>(() => SftEncoder.Encode(tok, template, messages, context, false, "chats.jsonl:7"));
        Assert.StartsWith("chats.jsonl:7:", error.Message);
        Assert.Contains($"{full} tokens", error.Message);
        Assert.Contains($"context of {context}", error.Message);
        Assert.Contains("--truncate", error.Message);

        var cut = SftEncoder.Encode(tok, template, messages, context, true, "x");
        Assert.True(cut.Truncated);
        Assert.Equal(context, cut.Ids.Length);
        var whole = SftEncoder.Encode(tok, template, messages, 4096, false, "x");
        Assert.Equal(whole.Ids[..context], cut.Ids);
        Assert.Equal(whole.IsAssistant[..context], cut.IsAssistant);

        // Cut before the answer begins: nothing is left to learn, which is an error even with truncation.
        int promptTokens = Array.IndexOf(whole.IsAssistant, true);
        var none = Assert.Throws<InvalidDataException>(() => SftEncoder.Encode(tok, template, messages, promptTokens, true, "chats.jsonl:9"));
        Assert.StartsWith("chats.jsonl:9:", none.Message);
        Assert.Contains("no token of the assistant's answer", none.Message);
    }

    [Fact]
    public void RightPaddingLeavesEveryConversationsLossAsItIsAlone()
    {
        var template = ChatTemplates.Get("chatml");
        var tok = Tokenizer(template);
        var examples = Conversations.Select(c => SftEncoder.Encode(tok, template, c, 4096, false, "x")).ToArray();
        Assert.NotEqual(examples[0].Length, examples[1].Length);
        var model = new Gpt(new GptConfig { VocabSize = tok.VocabSize, BlockSize = 128, Layers = 2, Heads = 2, Width = 32 }, 5);
        var tape = new Tape(recordGradients: false) { Training = false };

        // Each alone, then all three in one right-padded batch (with two different pad ids).
        double weighted = 0;
        long count = 0;
        foreach (var e in examples)
        {
            tape.Reset();
            weighted += model.Loss(tape, e.Ids[..^1], e.Targets(), 1, e.Length).Data[0] * (double)e.TrainedTokens;
            count += e.TrainedTokens;
        }
        foreach (int pad in new[] { 0, 7 })
        {
            var (ids, targets, t) = SftObjective.Pad(examples, pad);
            Assert.Equal(examples.Max(e => e.Length), t);
            tape.Reset();
            float batched = model.Loss(tape, ids, targets, examples.Length, t).Data[0];
            Assert.Equal(weighted / count, batched, 4);
        }
        var objective = new SftObjective(model, examples, examples, batchSize: 2);
        Assert.Equal(weighted / count, objective.AnswerLoss(tape, examples), 4);
    }
}
