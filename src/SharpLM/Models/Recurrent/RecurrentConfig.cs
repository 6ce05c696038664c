namespace SharpLM.Models.Recurrent;

/// <summary>Which recurrent cell a <see cref="RecurrentLm"/> stacks.</summary>
public enum RecurrentCell
{
    /// <summary>Elman RNN: <c>h_t = tanh(W_x·x_t + W_h·h_{t−1} + b)</c>.</summary>
    Rnn,

    /// <summary>Long short-term memory: gated cell state (Hochreiter &amp; Schmidhuber, 1997).</summary>
    Lstm,
}

/// <summary>Shape of a recurrent language model: vocabulary, embedding width, hidden size, layers and cell.</summary>
public sealed record RecurrentConfig
{
    /// <summary>Vocabulary size V.</summary>
    public int VocabSize { get; init; } = 256;

    /// <summary>Token embedding width E.</summary>
    public int EmbeddingWidth { get; init; } = 64;

    /// <summary>Hidden state size H.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Stacked recurrent layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>The cell.</summary>
    public RecurrentCell Cell { get; init; } = RecurrentCell.Lstm;

    /// <summary>Gate rows per hidden unit: 1 for the RNN, 4 for the LSTM's i, f, g, o.</summary>
    public int GatesPerUnit => Cell == RecurrentCell.Lstm ? 4 : 1;

    /// <summary>Checks the sizes, naming the first bad one.</summary>
    public RecurrentConfig Validate()
    {
        if (VocabSize < 2) throw new ArgumentException($"recurrent config: vocabulary size {VocabSize} must be ≥ 2.");
        if (EmbeddingWidth < 1) throw new ArgumentException($"recurrent config: embedding width {EmbeddingWidth} must be ≥ 1.");
        if (Hidden < 1) throw new ArgumentException($"recurrent config: hidden size {Hidden} must be ≥ 1.");
        if (Layers < 1) throw new ArgumentException($"recurrent config: layers {Layers} must be ≥ 1.");
        return this;
    }
}
