using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

public sealed partial class Bert
{
    private int[] _positionIds = [];

    /// <summary>
    /// The encoder's forward pass on the tape: a batch <c>[B,T]</c> → one vector per token
    /// <c>[B,T,C]</c> (Hugging Face's <c>last_hidden_state</c>). Compare with
    /// <see cref="Gpt.Forward"/>: the same embeddings, attention and MLP, but (1) segments are
    /// embedded too, (2) attention is bidirectional — only padding is masked, nothing causal —
    /// and (3) the norm comes after each residual add (post-LN), so there is no final norm.
    /// Dropout runs when the config has it, the tape is training and <paramref name="dropoutRng"/> is given.
    /// </summary>
    public Variable Encode(Tape tape, BertBatch batch, Rng? dropoutRng = null)
    {
        batch.Validate(Config);
        int b = batch.B, t = batch.T, c = Config.Width, h = Config.Heads, d = Config.HeadSize;
        float p = Config.Dropout;
        Rng? rng = p > 0 && tape.Training ? dropoutRng : null;

        // Embeddings: what each token is + where it is + which sentence it is in, then LayerNorm.
        var e = Embeddings;
        var x = tape.Embedding(e.Words.Weight, batch.Ids, b, t);                        // [B,T,C]
        x = tape.Add(x, tape.Embedding(e.Segments.Weight, batch.TypeIds, b, t));       // + [B,T,C]
        x = tape.AddBroadcast(x, tape.Embedding(e.Positions.Weight, PositionIds(t), t)); // + [T,C]
        x = Dropout(tape, LayerNorm(tape, e.Norm, x), p, rng);

        foreach (var layer in Layers)
        {
            // x = LayerNorm(x + attn(x)): every token attends to every real (non-padding) token.
            var q = SplitHeads(tape, layer.Query.Forward(tape, x), b, t, h, d);   // [B,H,T,D]
            var k = SplitHeads(tape, layer.Key.Forward(tape, x), b, t, h, d);
            var v = SplitHeads(tape, layer.Value.Forward(tape, x), b, t, h, d);
            var y = tape.ScaledDotProductAttention(q, k, v, keyLengths: batch.Lengths);                  // [B,H,T,D]
            y = tape.Reshape(tape.Permute(y, 0, 2, 1, 3), b, t, c);                                       // [B,T,C]
            y = layer.AttentionOutput.Forward(tape, y);
            x = LayerNorm(tape, layer.AttentionNorm, tape.Add(x, Dropout(tape, y, p, rng)));

            // x = LayerNorm(x + mlp(x)), the MLP with BERT's exact GELU.
            var m = tape.GeluExact(layer.Up.Forward(tape, x));                       // [B,T,I]
            m = layer.Down.Forward(tape, m);                                       // [B,T,C]
            x = LayerNorm(tape, layer.OutputNorm, tape.Add(x, Dropout(tape, m, p, rng)));
        }
        return x;
    }

    /// <summary>The pooled sentence vector <c>tanh(dense(h[CLS]))</c> <c>[B,C]</c> from the encoder output <c>[B,T,C]</c>.</summary>
    public Variable Pool(Tape tape, Variable hidden)
    {
        var pooler = Pooler ?? throw new InvalidOperationException($"a {Task} model has no pooler.");
        int b = hidden.Data.Dim(0), t = hidden.Data.Dim(1);
        var cls = Rows(tape, hidden, Enumerable.Range(0, b).Select(i => i * t).ToArray());   // [B,C], position 0 of each row
        return tape.Tanh(pooler.Forward(tape, cls));
    }

    /// <summary>
    /// The MLM head at the given flat positions (<c>row·T + column</c>) of the encoder output:
    /// dense → GELU → LayerNorm → <c>·Wordsᵀ + bias</c>, logits <c>[N,V]</c> over the vocabulary.
    /// Scoring only the masked positions skips ~85% of the largest matrix product.
    /// </summary>
    public Variable MlmLogits(Tape tape, Variable hidden, int[] positions)
    {
        var head = MlmHead ?? throw new InvalidOperationException($"a {Task} model has no masked-language-model head.");
        var g = Rows(tape, hidden, positions);                                               // [N,C]
        g = tape.GeluExact(head.Dense.Forward(tape, g));
        g = LayerNorm(tape, head.Norm, g);
        return tape.Linear(g, Embeddings.Words.Weight, head.Bias);                           // [N,V], decoder tied to the word embeddings
    }

    /// <summary>Next-sentence logits <c>[B,2]</c> (column 0 = IsNext, 1 = NotNext) from the pooled vectors.</summary>
    public Variable NspLogits(Tape tape, Variable pooled)
    {
        var head = NspHead ?? throw new InvalidOperationException($"a {Task} model has no next-sentence head.");
        return head.Forward(tape, pooled);
    }

    /// <summary>
    /// Classification logits: for <see cref="BertTask.SequenceClassification"/> one row per text
    /// <c>[B,labels]</c> from the pooled [CLS] vector, for <see cref="BertTask.TokenClassification"/>
    /// one per token <c>[B,T,labels]</c>; dropout before the classifier as Hugging Face.
    /// </summary>
    public Variable ClassifierLogits(Tape tape, BertBatch batch, Rng? dropoutRng = null)
    {
        var classifier = Classifier ?? throw new InvalidOperationException($"a {Task} model has no classifier.");
        var hidden = Encode(tape, batch, dropoutRng);
        var features = Task == BertTask.SequenceClassification ? Pool(tape, hidden) : hidden;
        Rng? rng = Config.Dropout > 0 && tape.Training ? dropoutRng : null;
        return classifier.Forward(tape, Dropout(tape, features, Config.Dropout, rng));
    }

    /// <summary>Rows <paramref name="flatPositions"/> of <c>[B,T,C]</c> as <c>[N,C]</c> (a gather whose backward scatters back).</summary>
    private static Variable Rows(Tape tape, Variable hidden, int[] flatPositions)
    {
        int c = hidden.Data.Dim(-1);
        var flat = tape.Reshape(hidden, hidden.Data.Length / c, c);
        return tape.Embedding(flat, flatPositions, flatPositions.Length);
    }

    /// <summary><c>[B,T,C] → [B,H,T,D]</c>: each head's channels become its own sequence.</summary>
    private static Variable SplitHeads(Tape tape, Variable x, int b, int t, int h, int d) =>
        tape.Permute(tape.Reshape(x, b, t, h, d), 0, 2, 1, 3);

    private int[] PositionIds(int t)
    {
        if (_positionIds.Length != t) _positionIds = Enumerable.Range(0, t).ToArray();
        return _positionIds;
    }

    private static Variable LayerNorm(Tape tape, Norm norm, Variable x) => tape.LayerNorm(x, norm.Weight, norm.Bias, norm.Eps);

    private static Variable Dropout(Tape tape, Variable x, float p, Rng? rng) =>
        rng is null || p <= 0 ? x : tape.Dropout(x, p, rng);
}
