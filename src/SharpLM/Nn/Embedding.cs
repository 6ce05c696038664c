using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Nn;

/// <summary>
/// A lookup table that turns a token id (or a position) into a learned vector: row
/// <c>id</c> of a <c>[count, width]</c> matrix. The first layer of every language model.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates a table of <paramref name="count"/> vectors of size <paramref name="width"/>, drawn from Normal(0, <paramref name="initStd"/>) (zeros when <paramref name="rng"/> is null, for loaders).</summary>
    public Embedding(int count, int width, float initStd, Rng? rng)
    {
        Count = count;
        Width = width;
        var w = new Tensor(count, width);
        rng?.FillNormal(w.Span, 0f, initStd);
        Weight = AddParameter("weight", new Variable(w));
    }

    /// <summary>Number of rows (vocabulary size, or context length for positions).</summary>
    public int Count { get; }

    /// <summary>Size of each vector (the model width C).</summary>
    public int Width { get; }

    /// <summary>The table, <c>[count, width]</c>.</summary>
    public Variable Weight { get; }
}
