using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Training.Metrics;

namespace SharpLM.Training;

/// <summary>One held-out question, the reference answer and what the model answered.</summary>
public sealed record InstructionAnswer(string Question, string Reference, string Answer)
{
    /// <summary>ROUGE-L F of the answer against the reference (0–1).</summary>
    public double RougeL => Metrics.RougeL.F(Answer, Reference);

    /// <summary>Whether the answer equals the reference (surrounding whitespace aside).</summary>
    public bool ExactMatch => Answer.Trim() == Reference.Trim();
}

/// <summary>How well a model answered held-out instructions: mean ROUGE-L F and exact-match rate (both 0–100), and the answers.</summary>
public sealed record InstructionScores(double RougeL, double ExactMatch, IReadOnlyList<InstructionAnswer> Answers);

/// <summary>
/// Scores an instruction-tuned model the way it is used: each held-out conversation without its
/// last answer is rendered by the chat template with the generation prompt, the model answers
/// greedily until the template's end-of-turn marker (or a token budget), and the answer is compared
/// with the reference by ROUGE-L (LCS F-measure over lowercased words) and exact match. Running the
/// same prompts through the base model gives the before/after comparison.
/// </summary>
public static class InstructionAnswers
{
    /// <summary>Answers every conversation of <paramref name="conversations"/> with <paramref name="generator"/> and scores the answers.</summary>
    public static InstructionScores Score(TextGenerator generator, ChatTemplate template, IReadOnlyList<InstructionConversation> conversations, int maxTokens = 64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        var answers = new List<InstructionAnswer>();
        foreach (var c in conversations)
        {
            var prompt = c.Messages.Take(c.Messages.Count - 1).ToList();
            string answer = Answer(generator, template, prompt, maxTokens);
            answers.Add(new InstructionAnswer(prompt[^1].Content, c.Messages[^1].Content, answer));
        }
        var hyps = answers.Select(a => a.Answer).ToList();
        var refs = answers.Select(a => a.Reference).ToList();
        return new InstructionScores(Metrics.RougeL.Corpus(hyps, refs), Metrics.ExactMatch.Corpus(hyps, refs), answers);
    }

    /// <summary>The model's greedy answer to <paramref name="messages"/> (ending with a user turn), up to the template's end-of-turn marker.</summary>
    public static string Answer(TextGenerator generator, ChatTemplate template, IReadOnlyList<ChatMessage> messages, int maxTokens = 64)
    {
        var (prompt, bos) = Prompt(generator, template, messages);
        var options = new GenerationOptions
        {
            MaxTokens = maxTokens, PrependBos = bos, StopSequences = template.StopStrings,
            Sampling = new SamplerOptions { Temperature = 0 },
        };
        return generator.Generate(prompt, options).Trim();
    }

    /// <summary>
    /// The text a generator is prompted with for the next assistant turn, and whether it must put the
    /// tokenizer's real start token first (the template writes <c>&lt;s&gt;</c> as text; as in training,
    /// the real token replaces it when the tokenizer has one).
    /// </summary>
    public static (string Text, bool PrependBos) Prompt(TextGenerator generator, ChatTemplate template, IReadOnlyList<ChatMessage> messages)
    {
        string rendered = template.Render(messages, addGenerationPrompt: true);
        bool bos = template.BosToken.Length > 0 && TextGenerator.BosTokenOf(generator.Tokenizer) is not null
            && rendered.StartsWith(template.BosToken, StringComparison.Ordinal);
        return (bos ? rendered[template.BosToken.Length..] : rendered, bos);
    }
}
