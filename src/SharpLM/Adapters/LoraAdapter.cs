using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Adapters;

/// <summary>
/// One LoRA adapter on one linear layer (Hu et al., "LoRA: Low-Rank Adaptation"): the frozen
/// weight W <c>[out, in]</c> gets a trainable low-rank correction <c>ΔW = (α/r)·B·A</c>, with
/// A <c>[r, in]</c> (Kaiming-uniform) and B <c>[rows, r]</c> (zeros, so training starts from the
/// base model exactly). For a fused projection (LLaMA's q/k/v, held as one <c>c_attn</c>) an adapter
/// covers the row range of one Hugging Face module (<see cref="RowOffset"/>, <see cref="Rows"/>).
/// </summary>
public sealed class LoraAdapter
{
    private readonly Rng? _dropoutRng;

    internal LoraAdapter(string adapterName, LinearSite site, LoraOptions options, Rng rng)
    {
        AdapterName = adapterName;
        ModuleName = site.Name;
        Layer = site.Layer;
        RowOffset = site.RowOffset;
        Rows = site.Rows;
        Rank = options.Rank;
        Alpha = options.Alpha;
        Dropout = options.Dropout;
        int inF = site.Layer.InFeatures;
        var a = new Tensor(Rank, inF);
        // PyTorch's kaiming_uniform_(a=√5), as PEFT initializes A: U(−1/√in, 1/√in).
        float bound = 1f / MathF.Sqrt(inF);
        var span = a.Span;
        for (int i = 0; i < span.Length; i++) span[i] = (2f * rng.NextFloat() - 1f) * bound;
        A = new Variable(a, requiresGrad: true, name: StateName("A"));
        B = new Variable(new Tensor(Rows, Rank), requiresGrad: true, name: StateName("B"));
        if (Dropout > 0) _dropoutRng = new Rng(rng.NextUInt64());
    }

    /// <summary>The adapter's name (PEFT's adapter name, "default" unless several are loaded).</summary>
    public string AdapterName { get; }

    /// <summary>The Hugging Face module name this adapter targets, e.g. <c>transformer.h.0.attn.c_attn</c> or <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string ModuleName { get; }

    /// <summary>The linear layer it corrects.</summary>
    public Linear Layer { get; }

    /// <summary>First output row of the layer the adapter covers (0 unless the layer fuses several Hugging Face modules).</summary>
    public int RowOffset { get; }

    /// <summary>Number of output rows covered (B's row count).</summary>
    public int Rows { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>α; the update is scaled by α/r.</summary>
    public float Alpha { get; }

    /// <summary>The scale α/r applied to B·A.</summary>
    public float Scale => Alpha / Rank;

    /// <summary>Dropout probability on the adapter's input during training.</summary>
    public float Dropout { get; }

    /// <summary>A, <c>[r, in]</c> (PEFT's <c>lora_A.weight</c>).</summary>
    public Variable A { get; }

    /// <summary>B, <c>[rows, r]</c> (PEFT's <c>lora_B.weight</c>).</summary>
    public Variable B { get; }

    /// <summary>Whether the adapter takes part in the forward pass (the model's active adapter).</summary>
    public bool IsActive { get; internal set; }

    /// <summary>Whether ΔW is currently added into the layer's weight (then the forward pass skips the adapter).</summary>
    public bool IsMerged { get; private set; }

    /// <summary>The tensor's name in an adapter file: <c>base_model.model.{module}.lora_{A|B}.weight</c>.</summary>
    public string FileName(string part) => $"base_model.model.{ModuleName}.lora_{part}.weight";

    /// <summary>The tensor's name in the model's state (PEFT keeps the adapter name: <c>…lora_A.{adapter}.weight</c>); names the optimizer moments.</summary>
    public string StateName(string part) => $"base_model.model.{ModuleName}.lora_{part}.{AdapterName}.weight";

    /// <summary>Adds the adapter's output to the base layer's output <paramref name="y"/> on the tape.</summary>
    internal Variable AddTo(Tape tape, Variable x, Variable y)
    {
        float p = tape.Training && tape.RecordGradients ? Dropout : 0f;
        return tape.LowRankUpdate(y, x, A, B, Scale, RowOffset, p, _dropoutRng);
    }

    /// <summary>ΔW = (α/r)·B·A <c>[rows, in]</c>.</summary>
    public unsafe Tensor DeltaWeight()
    {
        int inF = A.Data.Dim(1);
        var delta = new Tensor(Rows, inF);
        Kernels.Gemm.Multiply(false, false, Rows, inF, Rank, B.Data.Pointer, Rank, A.Data.Pointer, inF, delta.Pointer, inF, accumulate: false);
        System.Numerics.Tensors.TensorPrimitives.Multiply(delta.Span, Scale, delta.Span);
        return delta;
    }

    /// <summary>Adds ΔW into the layer's weight rows (W ← W + ΔW); the forward pass then skips the adapter. Idempotent.</summary>
    public void Merge()
    {
        if (IsMerged) return;
        var rows = Layer.Weight.Data.Rows(RowOffset, Rows).Span;
        System.Numerics.Tensors.TensorPrimitives.Add(rows, DeltaWeight().Span, rows);
        IsMerged = true;
    }

    /// <summary>Subtracts ΔW from the layer's weight again (W ← W − ΔW), up to float rounding. Idempotent.</summary>
    public void Unmerge()
    {
        if (!IsMerged) return;
        var rows = Layer.Weight.Data.Rows(RowOffset, Rows).Span;
        System.Numerics.Tensors.TensorPrimitives.Subtract(rows, DeltaWeight().Span, rows);
        IsMerged = false;
    }

    /// <inheritdoc />
    public override string ToString() => $"LoRA '{AdapterName}' on {ModuleName}: r {Rank}, α {Alpha:G}, A {A.Data}, B {B.Data}{(IsMerged ? ", merged" : "")}";
}
