using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.Intrinsics;
using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// The AdamW optimizer (Loshchilov &amp; Hutter), as nanoGPT configures it: each weight keeps a
/// running mean of its gradient (m, momentum) and of its squared gradient (v), and moves by
/// <c>lr · m̂/(√v̂ + ε)</c>; weight decay is applied directly to the weight
/// (<c>w −= lr·wd·w</c>, "decoupled") and only to matrices (two or more dimensions), never to
/// biases or norm gains. Only parameters that require a gradient get moments: frozen weights (a
/// LoRA base, frozen blocks) are left out. <see cref="ParameterGroup"/>s give a set of parameters,
/// chosen by name, their own learning-rate multiplier and weight decay.
/// </summary>
public sealed class AdamW
{
    private readonly Variable[] _parameters;
    private readonly bool[] _decay;
    private readonly float[] _weightDecay;
    private readonly float[] _lrScale;

    /// <summary>
    /// Creates the optimizer over the parameters of <paramref name="parameters"/> (named, in a fixed order)
    /// that require a gradient, with zeroed moments. Each parameter takes the first of
    /// <paramref name="groups"/> whose patterns match its name; the rest use <paramref name="weightDecay"/>
    /// (matrices only) and the scheduled learning rate.
    /// </summary>
    public AdamW(IEnumerable<(string Name, Variable Parameter)> parameters, float beta1 = 0.9f, float beta2 = 0.95f, float eps = 1e-8f, float weightDecay = 0.1f,
        IReadOnlyList<ParameterGroup>? groups = null)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW: beta1 must be in [0, 1), got {beta1}.");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"AdamW: beta2 must be in [0, 1), got {beta2}.");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"AdamW: weight decay must be ≥ 0, got {weightDecay}.");
        var list = parameters.Where(p => p.Parameter.RequiresGrad).ToList();
        var duplicate = list.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"AdamW: parameter name '{duplicate.Key}' appears twice.", nameof(parameters));
        Names = list.Select(p => p.Name).ToArray();
        _parameters = list.Select(p => p.Parameter).ToArray();
        Groups = groups?.ToArray() ?? [];
        _decay = new bool[_parameters.Length];
        _weightDecay = new float[_parameters.Length];
        _lrScale = new float[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            var group = Groups.FirstOrDefault(g => g.Matches(Names[i]));
            _lrScale[i] = group?.LearningRateScale ?? 1f;
            _weightDecay[i] = group?.WeightDecay ?? (_parameters[i].Data.Rank >= 2 ? weightDecay : 0f);
            _decay[i] = group?.WeightDecay is { } wd ? wd > 0 : _parameters[i].Data.Rank >= 2;
        }
        M = _parameters.Select(p => new Tensor(p.Data.ShapeArray)).ToArray();
        V = _parameters.Select(p => new Tensor(p.Data.ShapeArray)).ToArray();
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
    }

    /// <summary>The parameter groups, in the order they are tried.</summary>
    public ParameterGroup[] Groups { get; }

    /// <summary>Bytes the moments take (two fp32 numbers per trainable weight).</summary>
    public long StateBytes => M.Sum(m => (long)m.Length) * 2 * sizeof(float);

    /// <summary>Number of weights this optimizer updates.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Data.Length);

    /// <summary>The learning-rate multiplier of parameter i (its group's, else 1).</summary>
    public float LearningRateScale(int i) => _lrScale[i];

    /// <summary>The decoupled weight decay of parameter i (its group's, else the default for matrices, 0 for vectors).</summary>
    public float WeightDecayOf(int i) => _weightDecay[i];

    /// <summary>Decay rate of the gradient's running mean (momentum), β1.</summary>
    public float Beta1 { get; }

    /// <summary>Decay rate of the squared gradient's running mean, β2.</summary>
    public float Beta2 { get; }

    /// <summary>Added to √v̂ so the step never divides by zero.</summary>
    public float Eps { get; }

    /// <summary>Decoupled weight decay coefficient (applied to matrices only).</summary>
    public float WeightDecay { get; }

    /// <summary>How many updates have been made (t in the bias correction 1 − βᵗ).</summary>
    public long Step { get; set; }

    /// <summary>Parameter names, in order (they name the moments in a checkpoint).</summary>
    public string[] Names { get; }

    /// <summary>First moments m (running mean of gradients), one per parameter.</summary>
    public Tensor[] M { get; }

    /// <summary>Second moments v (running mean of squared gradients), one per parameter.</summary>
    public Tensor[] V { get; }

    /// <summary>Whether parameter i gets weight decay (by default true for tensors with two or more dimensions).</summary>
    public bool Decays(int i) => _decay[i];

    /// <summary>
    /// Applies one update with learning rate <paramref name="lr"/> using each parameter's current gradient;
    /// with <paramref name="releaseGradients"/> each gradient is then released (<see cref="Variable.ReleaseGradient"/>):
    /// it reads as null and the next backward overwrites its buffer, so no zeroing pass is needed.
    /// </summary>
    public unsafe void Update(float lr, bool releaseGradients = false)
    {
        Step++;
        float b1 = Beta1, b2 = Beta2, eps = Eps;
        float c1 = 1f / (1f - MathF.Pow(b1, Step));
        float c2 = 1f / (1f - MathF.Pow(b2, Step));
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is null) continue;
            float lri = lr * _lrScale[i];
            float decay = lri * _weightDecay[i];
            float* w = p.Data.Pointer, g = p.Grad.Pointer, m = M[i].Pointer, v = V[i].Pointer;
            KernelThreads.For(p.Data.Length, (s, e) => UpdateRange(w, g, m, v, s, e, lri, decay, b1, b2, c1, c2, eps), minPerChunk: 1 << 15);
            if (releaseGradients) p.ReleaseGradient();
        }
    }

    private static unsafe void UpdateRange(float* w, float* g, float* m, float* v, int i, int end,
        float lr, float decay, float b1, float b2, float c1, float c2, float eps)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb1c = Vector256.Create(1f - b1);
            var vb2 = Vector256.Create(b2); var vb2c = Vector256.Create(1f - b2);
            var vc1 = Vector256.Create(c1); var vc2 = Vector256.Create(c2);
            var veps = Vector256.Create(eps); var vlr = Vector256.Create(lr); var vdecay = Vector256.Create(decay);
            for (; i <= end - 8; i += 8)
            {
                var gi = Vector256.Load(g + i);
                var mi = vb1 * Vector256.Load(m + i) + vb1c * gi;
                var vi = vb2 * Vector256.Load(v + i) + vb2c * (gi * gi);
                mi.Store(m + i); vi.Store(v + i);
                var wi = Vector256.Load(w + i);
                var step = vlr * (mi * vc1) / (Vector256.Sqrt(vi * vc2) + veps) + vdecay * wi;
                (wi - step).Store(w + i);
            }
        }
        for (; i < end; i++)
        {
            float gi = g[i];
            float mi = b1 * m[i] + (1f - b1) * gi;
            float vi = b2 * v[i] + (1f - b2) * (gi * gi);
            m[i] = mi; v[i] = vi;
            float wi = w[i];
            w[i] = wi - (lr * (mi * c1) / (MathF.Sqrt(vi * c2) + eps) + decay * wi);
        }
    }

    /// <summary>The gradients' global L2 norm √(Σ g²) over all parameters, accumulated in double.</summary>
    public double GradientNorm()
    {
        double sum = 0;
        foreach (var p in _parameters)
            if (p.Grad is not null) sum += TensorPrimitives.Dot<float>(p.Grad.Span, p.Grad.Span);
        return Math.Sqrt(sum);
    }

    /// <summary>Multiplies every gradient by <paramref name="factor"/> (clipping, averaging accumulated micro-batches).</summary>
    public void ScaleGradients(float factor)
    {
        foreach (var p in _parameters)
            if (p.Grad is not null) TensorPrimitives.Multiply(p.Grad.Span, factor, p.Grad.Span);
    }

    /// <summary>
    /// Empties every gradient before the next step's micro-batches: the buffers are kept and the next
    /// backward overwrites them (<see cref="Variable.ReleaseGradient"/>), which costs no pass over memory.
    /// </summary>
    public void ZeroGradients()
    {
        foreach (var p in _parameters) p.ReleaseGradient();
    }
}
