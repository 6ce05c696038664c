using SharpLM.Generation;

namespace SharpLM.Serving;

/// <summary>One token of the vocabulary with its log-probability, as OpenAI's <c>logprobs</c> report it.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Token">The token's text (its bytes read as UTF-8; a token that ends inside a character shows U+FFFD there).</param>
/// <param name="Bytes">The token's exact bytes.</param>
/// <param name="Logprob">Natural log of its probability under the model's next-token distribution.</param>
public sealed record TokenLogprob(int Id, string Token, byte[] Bytes, float Logprob);

/// <summary>A generated token's log-probability and the most likely alternatives at its step (most likely first).</summary>
/// <param name="Chosen">The token that was generated.</param>
/// <param name="Top">The top alternatives (as many as asked; the chosen one among them when it is likely enough).</param>
public sealed record GeneratedTokenLogprobs(TokenLogprob Chosen, IReadOnlyList<TokenLogprob> Top);

/// <summary>
/// A piece of a streamed completion: new text (possibly empty), the logprobs of the tokens that
/// produced it (empty unless asked), and on the last piece only, the counts and finish reason.
/// </summary>
/// <param name="Text">Text now safe to show (whole characters, no part of a stop sequence).</param>
/// <param name="Logprobs">One entry per token behind <paramref name="Text"/>.</param>
/// <param name="Result">Set on the final piece: usage and why generation ended.</param>
public sealed record CompletionDelta(string Text, IReadOnlyList<GeneratedTokenLogprobs> Logprobs, CompletionResult? Result);

/// <summary>How a completion ended and what it cost.</summary>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="CompletionTokens">New tokens generated (an end-of-sequence token is not counted).</param>
/// <param name="Finish">Why generation ended: stop token, stop sequence, token limit, full context, or cancelled.</param>
/// <param name="TimeToFirstToken">From the call to the first token (slot wait and prefill included).</param>
/// <param name="Elapsed">From the call to the end.</param>
public sealed record CompletionResult(int PromptTokens, int CompletionTokens, FinishReason Finish, TimeSpan TimeToFirstToken, TimeSpan Elapsed)
{
    /// <summary>Prompt plus completion tokens.</summary>
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>True when generation stopped on its own (an end token or a stop sequence), as OpenAI's <c>"stop"</c>; false for a limit (<c>"length"</c>).</summary>
    public bool Stopped => Finish is FinishReason.StopToken or FinishReason.StopSequence;
}

/// <summary>The prompt does not fit the model's context window (with room for one new token).</summary>
public sealed class PromptTooLongException(int promptTokens, int contextLength)
    : ArgumentException($"The prompt is {promptTokens} tokens; this model's context window is {contextLength} tokens (leave room for at least one new token).")
{
    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens { get; } = promptTokens;

    /// <summary>The context window.</summary>
    public int ContextLength { get; } = contextLength;
}
