// The peer of `sharplm bench bert-train`: the same BERT (BertForPreTraining shape, post-LN, exact GELU,
// tied MLM decoder, NSP head), the same batch (B×T tokens, 15% of the non-special positions scored by
// the MLM head, B NSP labels) and AdamW, timed per training step (forward, backward, update) in TorchSharp.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}

int threads = Arg("--threads", 2), batch = Arg("--batch-size", 8), seq = Arg("--block-size", 128), steps = Arg("--steps", 5), warm = Arg("--warmup-steps", 2);
int layers = Arg("--layers", 12), width = Arg("--width", 768), heads = Arg("--heads", 12), vocab = Arg("--vocab", 30522);
torch.set_num_threads(threads);
torch.set_num_interop_threads(1);
torch.manual_seed(1);

var model = new BertPretraining(vocab, width, layers, heads, 4 * width, 512);
var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-4, beta1: 0.9, beta2: 0.999, weight_decay: 0.01);
long parameters = model.parameters().Sum(p => p.numel());
Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch threads {torch.get_num_threads()}: BERT {layers}×{width}, {heads} heads, {parameters:N0} parameters, batch {batch}×{seq}");

var rng = new Random(7);
var ids = torch.randint(5, vocab, new long[] { batch, seq }, dtype: ScalarType.Int64);
var types = torch.zeros(new long[] { batch, seq }, dtype: ScalarType.Int64);
types[TensorIndex.Colon, TensorIndex.Slice(seq / 2)] = 1;
int perRow = (int)Math.Round((seq - 3) * 0.15);
var positions = new List<long>();
for (int b = 0; b < batch; b++)
    foreach (int p in Enumerable.Range(1, seq - 2).OrderBy(_ => rng.Next()).Take(perRow)) positions.Add(b * seq + p);
var maskedPositions = torch.tensor(positions.ToArray());
var mlmTargets = torch.randint(5, vocab, new long[] { positions.Count }, dtype: ScalarType.Int64);
var nspTargets = torch.randint(0, 2, new long[] { batch }, dtype: ScalarType.Int64);

var times = new List<double>();
for (int step = 0; step < warm + steps; step++)
{
    var clock = Stopwatch.StartNew();
    using (var scope = torch.NewDisposeScope())
    {
        optimizer.zero_grad();
        var (mlmLogits, nspLogits) = model.Forward(ids, types, maskedPositions);
        var loss = functional.cross_entropy(mlmLogits, mlmTargets) + functional.cross_entropy(nspLogits, nspTargets);
        loss.backward();
        optimizer.step();
        if (step == 0) Console.WriteLine($"first loss {loss.item<float>():F4}");
    }
    double ms = clock.Elapsed.TotalMilliseconds;
    if (step >= warm) times.Add(ms);
    Console.WriteLine($"step {step + 1}{(step < warm ? " (warmup)" : "")}: {ms:F0} ms");
}
times.Sort();
Console.WriteLine($"TorchSharp training step, median of {times.Count}: {times[times.Count / 2]:F0} ms ({batch * seq * 1000.0 / times[times.Count / 2]:F0} tokens/s)");

/// <summary>BERT for pretraining in TorchSharp modules (post-LN encoder, pooler, tied MLM head, NSP head).</summary>
sealed class BertPretraining : Module
{
    private readonly Embedding _words, _positions, _segments;
    private readonly LayerNorm _embNorm, _mlmNorm;
    private readonly ModuleList<EncoderLayer> _layers;
    private readonly Linear _pooler, _mlmDense, _nsp;
    private readonly Parameter _mlmBias;

    public BertPretraining(int vocab, int width, int layers, int heads, int inner, int maxPositions) : base("bert")
    {
        _words = Embedding(vocab, width);
        _positions = Embedding(maxPositions, width);
        _segments = Embedding(2, width);
        _embNorm = LayerNorm(width, eps: 1e-12);
        _layers = new ModuleList<EncoderLayer>(Enumerable.Range(0, layers).Select(_ => new EncoderLayer(width, heads, inner)).ToArray());
        _pooler = Linear(width, width);
        _mlmDense = Linear(width, width);
        _mlmNorm = LayerNorm(width, eps: 1e-12);
        _mlmBias = Parameter(torch.zeros(vocab));
        _nsp = Linear(width, 2);
        foreach (var table in new[] { _words, _positions, _segments }) init.normal_(table.weight!, 0, 0.02);   // BERT's initializer range
        RegisterComponents();
    }

    public (Tensor Mlm, Tensor Nsp) Forward(Tensor ids, Tensor types, Tensor maskedPositions)
    {
        long b = ids.shape[0], t = ids.shape[1];
        var positions = torch.arange(t, dtype: ScalarType.Int64);
        var x = _embNorm.forward(_words.forward(ids) + _segments.forward(types) + _positions.forward(positions));
        foreach (var layer in _layers) x = layer.Forward(x);
        var pooled = torch.tanh(_pooler.forward(x[TensorIndex.Colon, 0]));
        var chosen = x.reshape(b * t, -1).index_select(0, maskedPositions);
        var h = _mlmNorm.forward(functional.gelu(_mlmDense.forward(chosen)));
        var mlm = functional.linear(h, _words.weight!) + _mlmBias;      // decoder tied to the word embeddings
        return (mlm, _nsp.forward(pooled));
    }
}

/// <summary>One post-LN BERT block: attention (separate q, k, v), add, LayerNorm, exact-GELU MLP, add, LayerNorm.</summary>
sealed class EncoderLayer : Module
{
    private readonly Linear _q, _k, _v, _o, _up, _down;
    private readonly LayerNorm _norm1, _norm2;
    private readonly int _heads;

    public EncoderLayer(int width, int heads, int inner) : base("layer")
    {
        _heads = heads;
        _q = Linear(width, width); _k = Linear(width, width); _v = Linear(width, width); _o = Linear(width, width);
        _up = Linear(width, inner); _down = Linear(inner, width);
        _norm1 = LayerNorm(width, eps: 1e-12); _norm2 = LayerNorm(width, eps: 1e-12);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2], d = c / _heads;
        Tensor Split(Tensor y) => y.view(b, t, _heads, d).transpose(1, 2);
        var attn = functional.scaled_dot_product_attention(Split(_q.forward(x)), Split(_k.forward(x)), Split(_v.forward(x)));
        var y = _o.forward(attn.transpose(1, 2).reshape(b, t, c));
        x = _norm1.forward(x + y);
        var m = _down.forward(functional.gelu(_up.forward(x)));
        return _norm2.forward(x + m);
    }
}
