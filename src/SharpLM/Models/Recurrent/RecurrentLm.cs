using System.Text.Json;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models.Recurrent;

/// <summary>
/// A recurrent language model, the pre-transformer baseline: token embedding, L stacked Elman RNN or
/// LSTM layers (each a fused whole-sequence tape op, so training is backpropagation through time over
/// the window), and a linear head predicting the next token from each hidden state. Memory of the past
/// lives only in the fixed-size state h (and the LSTM's cell c), unlike attention's direct look-back.
/// </summary>
public sealed class RecurrentLm : Module, ITrainableModel
{
    private readonly Linear[] _inputs;
    private readonly Variable[] _recurrent;

    /// <summary>Creates a model with small random weights from <paramref name="seed"/> (LSTM forget-gate bias 1, so the cell starts by remembering).</summary>
    public RecurrentLm(RecurrentConfig config, ulong seed)
    {
        Config = (config ?? throw new ArgumentNullException(nameof(config))).Validate();
        var rng = new Rng(seed);
        int h = config.Hidden, gates = config.GatesPerUnit * h;
        TokenEmbedding = AddModule("embed", new Embedding(config.VocabSize, config.EmbeddingWidth, 0.1f, rng));
        _inputs = new Linear[config.Layers];
        _recurrent = new Variable[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            int inWidth = l == 0 ? config.EmbeddingWidth : h;
            _inputs[l] = AddModule($"layers.{l}.input", new Linear(inWidth, gates, bias: true, 1f / MathF.Sqrt(inWidth), rng));
            var w = new Tensor(gates, h);
            rng.FillNormal(w.Span, 0f, 1f / MathF.Sqrt(h));
            _recurrent[l] = AddParameter($"layers.{l}.recurrent.weight", new Variable(w));
            if (config.Cell == RecurrentCell.Lstm) _inputs[l].Bias!.Data.Span.Slice(h, h).Fill(1f);
        }
        Head = AddModule("head", new Linear(h, config.VocabSize, bias: true, 1f / MathF.Sqrt(h), rng));
    }

    /// <summary>The shape.</summary>
    public RecurrentConfig Config { get; }

    /// <summary>Token embedding table <c>[V,E]</c>.</summary>
    public Embedding TokenEmbedding { get; }

    /// <summary>Output head <c>[V,H]</c>.</summary>
    public Linear Head { get; }

    /// <summary>
    /// The forward pass: ids <c>[B,T]</c> → final-layer states <c>[B,T,H]</c>; <paramref name="embedded"/>
    /// receives the embedding output <c>[B,T,E]</c>, whose gradient after a backward pass is ∂loss/∂input at every position.
    /// </summary>
    public Variable Hidden(Tape tape, int[] ids, int b, int t, out Variable embedded)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Length != b * t) throw new ArgumentException($"RecurrentLm: {ids.Length} ids given for B={b} × T={t}.", nameof(ids));
        embedded = tape.Embedding(TokenEmbedding.Weight, ids, b, t);
        var x = embedded;
        for (int l = 0; l < Config.Layers; l++)
        {
            var a = _inputs[l].Forward(tape, x);
            x = Config.Cell == RecurrentCell.Lstm ? tape.LstmSequence(a, _recurrent[l]) : tape.RnnSequence(a, _recurrent[l]);
        }
        return x;
    }

    /// <summary>Logits <c>[B,T,V]</c> for the next token at every position.</summary>
    public Variable Forward(Tape tape, int[] ids, int b, int t) => Head.Forward(tape, Hidden(tape, ids, b, t, out _));

    /// <summary>Mean next-token cross-entropy against <paramref name="targets"/> <c>[B,T]</c> (−1 = ignored), the same loss as the GPT's.</summary>
    public Variable Loss(Tape tape, int[] ids, int[] targets, int b, int t) =>
        tape.CrossEntropy(Forward(tape, ids, b, t), targets);

    /// <inheritdoc/>
    long ITrainableModel.ParameterCount() => ParameterCount();

    /// <inheritdoc/>
    public void Save(string directory) => FileSetCommit.Write(directory, staging =>
    {
        Safetensors.Write(Path.Combine(staging, "model.safetensors"), NamedParameters().Select(p => (p.Name, p.Parameter.Data)),
            new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(staging, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = Config.Cell == RecurrentCell.Lstm ? "lstm" : "rnn",
            ["vocab_size"] = Config.VocabSize,
            ["embedding_size"] = Config.EmbeddingWidth,
            ["hidden_size"] = Config.Hidden,
            ["num_layers"] = Config.Layers,
        }));
    });

    /// <inheritdoc/>
    public string Describe() =>
        $"{(Config.Cell == RecurrentCell.Lstm ? "LSTM" : "Elman RNN")} LM: {Config.Layers} layer(s), hidden {Config.Hidden}, embedding {Config.EmbeddingWidth}, vocab {Config.VocabSize}, {ParameterCount():N0} parameters";
}
