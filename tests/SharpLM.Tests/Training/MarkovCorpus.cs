using SharpLM.Tensors;

namespace SharpLM.Tests.Training;

/// <summary>
/// A synthetic corpus with a known answer: a random first-order Markov chain over a few
/// symbols. Its true conditional entropy is the lowest loss any model can reach.
/// </summary>
public sealed class MarkovCorpus
{
    public MarkovCorpus(int symbols, ulong seed, double sharpness = 3.0)
    {
        Symbols = symbols;
        var rng = new Rng(seed);
        Transitions = new double[symbols, symbols];
        for (int i = 0; i < symbols; i++)
        {
            double sum = 0;
            for (int j = 0; j < symbols; j++) { Transitions[i, j] = Math.Exp(sharpness * rng.NextNormal()); sum += Transitions[i, j]; }
            for (int j = 0; j < symbols; j++) Transitions[i, j] /= sum;
        }
        // Stationary distribution by power iteration.
        Stationary = Enumerable.Repeat(1.0 / symbols, symbols).ToArray();
        for (int it = 0; it < 2000; it++)
        {
            var next = new double[symbols];
            for (int i = 0; i < symbols; i++)
                for (int j = 0; j < symbols; j++) next[j] += Stationary[i] * Transitions[i, j];
            Stationary = next;
        }
        for (int i = 0; i < symbols; i++)
        {
            double h = 0;
            for (int j = 0; j < symbols; j++) if (Transitions[i, j] > 0) h -= Transitions[i, j] * Math.Log(Transitions[i, j]);
            ConditionalEntropy += Stationary[i] * h;
        }
    }

    public int Symbols { get; }
    public double[,] Transitions { get; }
    public double[] Stationary { get; private set; }

    /// <summary>H(next | current) in nats: the best achievable loss once the previous token is known.</summary>
    public double ConditionalEntropy { get; }

    /// <summary>The true model's mean loss −ln P(next | current) over the given (input, target) pairs: what a perfect model scores on exactly these tokens.</summary>
    public double OracleLoss(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        double sum = 0;
        for (int i = 0; i < inputs.Length; i++) sum -= Math.Log(Transitions[inputs[i], targets[i]]);
        return sum / inputs.Length;
    }

    public int[] Sample(int length, ulong seed)
    {
        var rng = new Rng(seed);
        var ids = new int[length];
        int s = 0;
        for (int i = 0; i < length; i++)
        {
            double u = rng.NextDouble(), c = 0;
            int next = Symbols - 1;
            for (int j = 0; j < Symbols; j++) { c += Transitions[s, j]; if (u < c) { next = j; break; } }
            ids[i] = s = next;
        }
        return ids;
    }
}
