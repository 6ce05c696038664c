using SharpLM.Adapters;
using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Nn;

/// <summary>
/// A fully connected layer <c>y = x·Wᵀ + b</c>: every output is a weighted sum of every
/// input. The weight is stored <c>[out, in]</c> (PyTorch's layout), which is also the
/// layout a one-token decode streams row by row.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates a layer with weights drawn from Normal(0, <paramref name="initStd"/>) and zero bias (all zeros when <paramref name="rng"/> is null, for loaders).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias, float initStd, Rng? rng)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = new Tensor(outFeatures, inFeatures);
        rng?.FillNormal(w.Span, 0f, initStd);
        Weight = AddParameter("weight", new Variable(w));
        Bias = bias ? AddParameter("bias", new Variable(new Tensor(outFeatures))) : null;
    }

    /// <summary>Number of input features (in).</summary>
    public int InFeatures { get; }

    /// <summary>Number of output features (out).</summary>
    public int OutFeatures { get; }

    /// <summary>The weight matrix W, <c>[out, in]</c>.</summary>
    public Variable Weight { get; }

    /// <summary>The bias b, <c>[out]</c>, or null for a layer without bias.</summary>
    public Variable? Bias { get; }

    private readonly List<LoraAdapter> _adapters = new();

    /// <summary>The LoRA adapters attached to this layer (several adapters, and for a fused projection several row ranges); empty for a plain layer.</summary>
    public IReadOnlyList<LoraAdapter> Adapters => _adapters;

    internal void Attach(LoraAdapter adapter) => _adapters.Add(adapter);

    internal void Detach(LoraAdapter adapter) => _adapters.Remove(adapter);

    /// <summary>The A and B matrices of the active, unmerged adapters, named as PEFT names them in a model's state (<c>…lora_A.{adapter}.weight</c>).</summary>
    public IEnumerable<(string Name, Variable Parameter)> AdapterParameters()
    {
        foreach (var adapter in _adapters)
        {
            if (!adapter.IsActive || adapter.IsMerged) continue;
            yield return (adapter.StateName("A"), adapter.A);
            yield return (adapter.StateName("B"), adapter.B);
        }
    }

    /// <summary>
    /// Applies the layer on the tape: <c>x [..., in]</c> → <c>x·Wᵀ + b [..., out]</c>, plus
    /// <c>(α/r)·B·A·x</c> for each active LoRA adapter not merged into W. Models call linear layers
    /// through this one door, so a LoRA adapter applies to every family at once.
    /// </summary>
    public Variable Forward(Tape tape, Variable x)
    {
        var y = tape.Linear(x, Weight, Bias);
        foreach (var adapter in _adapters)
            if (adapter.IsActive && !adapter.IsMerged) y = adapter.AddTo(tape, x, y);
        return y;
    }
}
