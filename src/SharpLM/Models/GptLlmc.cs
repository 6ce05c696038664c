using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Moves a GPT-2 between SharpLM and karpathy's llm.c (<c>gpt2_124M.bin</c>). Both store
/// matmul weights <c>[out, in]</c> and pad the vocabulary to Vp rows, so the mapping is a
/// renaming plus un-stacking: llm.c keeps each per-layer parameter as one <c>[L, …]</c>
/// block (<c>qkvw [L,3C,C]</c>), we keep one tensor per layer (<c>h.{l}.attn.c_attn.weight [3C,C]</c>).
/// </summary>
public static class GptLlmc
{
    /// <summary>llm.c name → our per-layer parameter name (after <c>h.{l}.</c>), for the 12 layer-stacked tensors.</summary>
    private static readonly (string Llmc, string Ours)[] LayerTensors =
    [
        ("ln1w", "ln_1.weight"), ("ln1b", "ln_1.bias"),
        ("qkvw", "attn.c_attn.weight"), ("qkvb", "attn.c_attn.bias"),
        ("attprojw", "attn.c_proj.weight"), ("attprojb", "attn.c_proj.bias"),
        ("ln2w", "ln_2.weight"), ("ln2b", "ln_2.bias"),
        ("fcw", "mlp.c_fc.weight"), ("fcb", "mlp.c_fc.bias"),
        ("fcprojw", "mlp.c_proj.weight"), ("fcprojb", "mlp.c_proj.bias"),
    ];

    /// <summary>Our config for an llm.c header: GPT-2 (learned positions, LayerNorm eps 1e-5, biases, tied head, no dropout) with llm.c's Vp padding.</summary>
    public static GptConfig ConfigFrom(LlmcHeader header) => new GptConfig
    {
        VocabSize = header.V,
        BlockSize = header.MaxT,
        Layers = header.L,
        Heads = header.NH,
        Width = header.C,
        Dropout = 0f,
        Bias = true,
        TiedEmbeddings = true,
        Positions = PositionEncoding.Learned,
        Norm = NormKind.LayerNorm,
        NormEps = 1e-5f,
        // A multiple m with V rounded up to m equal to Vp: 64 or 128 as llm.c pads, else Vp itself (V ≤ Vp always rounds up to Vp).
        VocabMultiple = RoundUp(header.V, 64) == header.Vp ? 64 : RoundUp(header.V, 128) == header.Vp ? 128 : header.Vp,
    }.Validate();

    /// <summary>Reads an llm.c checkpoint (version 3 float32 or 5 bfloat16) into a new model, one tensor at a time.</summary>
    public static Gpt Load(string path)
    {
        using var file = LlmcCheckpoint.Open(path);
        var model = Gpt.Uninitialized(ConfigFrom(file.Header));
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        // wte keeps all Vp rows as stored: llm.c's padding rows are zero and never predicted.
        ReadWhole(file, "wte", parameters["wte.weight"]);
        ReadWhole(file, "wpe", parameters["wpe.weight"]);
        for (int l = 0; l < file.Header.L; l++)
            foreach (var (llmc, ours) in LayerTensors)
                file.ReadLayer(llmc, l, parameters[$"h.{l}.{ours}"].Span);
        ReadWhole(file, "lnfw", parameters["ln_f.weight"]);
        ReadWhole(file, "lnfb", parameters["ln_f.bias"]);
        return model;
    }

    /// <summary>Writes <paramref name="model"/> as an llm.c float32 checkpoint (so llm.c can run or train the same weights); only plain GPT-2 configs fit the format.</summary>
    public static void Save(Gpt model, string path)
    {
        var c = model.Config;
        if (c.Positions != PositionEncoding.Learned || c.Norm != NormKind.LayerNorm || !c.Bias || !c.TiedEmbeddings || c.Activation != MlpActivation.GeluTanh
            || c.MlpWidth != 4 * c.Width || c.KvHeadCount != c.Heads)
            throw new ArgumentException("llm.c's format holds only GPT-2 itself: learned positions, LayerNorm, biases on, a tied head, the tanh GELU, a 4·C MLP and as many key/value heads as heads.", nameof(model));
        var header = new LlmcHeader(LlmcCheckpoint.VersionFp32, c.BlockSize, c.VocabSize, c.Layers, c.Heads, c.Width, c.PaddedVocabSize);
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        var tensors = new List<Tensor> { parameters["wte.weight"], parameters["wpe.weight"] };
        foreach (var (_, ours) in LayerTensors)
            tensors.Add(Tensor.Concat([.. Enumerable.Range(0, c.Layers).Select(l => Unsqueeze(parameters[$"h.{l}.{ours}"]))], axis: 0));
        tensors.Add(parameters["ln_f.weight"]);
        tensors.Add(parameters["ln_f.bias"]);
        LlmcCheckpoint.Write(path, header, tensors);
    }

    private static Tensor Unsqueeze(Tensor t) => t.Reshape([1, .. t.ShapeArray]);

    private static void ReadWhole(LlmcCheckpoint file, string name, Tensor destination)
    {
        var shape = file.ShapeOf(name);
        if (!destination.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"llm.c checkpoint '{file.Path}': tensor '{name}' is {Tensor.FormatShape(shape)}, the model needs {destination}.");
        file.ReadInto(name, destination.Span);
    }

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
