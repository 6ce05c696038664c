namespace SharpLM.Generation;

/// <summary>One candidate next token and its probability under the (filtered) distribution.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Probability">Its probability; the candidates a sampler keeps sum to 1.</param>
public readonly record struct TokenProbability(int Id, float Probability)
{
    /// <summary>Orders by probability, highest first, then by id (so ties break the same way every time).</summary>
    public static int MostLikelyFirst(TokenProbability a, TokenProbability b)
    {
        int c = b.Probability.CompareTo(a.Probability);
        return c != 0 ? c : a.Id.CompareTo(b.Id);
    }
}
