using SharpLM.Generation;

namespace SharpLM.Serving;

/// <summary>A token id with its log-probability under the model's next-token distribution.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Logprob">Natural log of its probability (≤ 0).</param>
public readonly record struct IdLogprob(int Id, float Logprob);

/// <summary>
/// One token a decode engine sampled for a sequence. <see cref="Finish"/> is set on the last
/// token of the sequence only; when it is <see cref="FinishReason.StopToken"/> that token is the
/// end-of-sequence marker (not text).
/// </summary>
/// <param name="Id">The sampled token id.</param>
/// <param name="Logprob">Its log-probability under the model's own distribution (before penalties, temperature and truncation), when the request asked for logprobs; else 0.</param>
/// <param name="Top">The most likely tokens at this step, most likely first (empty unless asked).</param>
/// <param name="Finish">Why the sequence ends after this token, or null while it goes on.</param>
public sealed record DecodedToken(int Id, float Logprob, IReadOnlyList<IdLogprob> Top, FinishReason? Finish);
