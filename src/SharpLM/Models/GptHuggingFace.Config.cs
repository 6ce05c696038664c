using SharpLM.Formats;
using SharpLM.Nn;

namespace SharpLM.Models;

public static partial class GptHuggingFace
{
    /// <summary>The Hugging Face GPT-2 config for <paramref name="config"/> (learned or sinusoidal positions).</summary>
    public static HuggingFaceGpt2Config ToHuggingFace(GptConfig config, int? eosTokenId = null)
    {
        int? eos = eosTokenId ?? (config.VocabSize == 50257 ? 50256 : null);
        string? note = Gpt2Incompatibility(config);
        return new HuggingFaceGpt2Config
        {
            ModelType = note is null ? "gpt2" : HuggingFaceGpt2Config.SharpLMModelType,
            VocabSize = config.VocabSize,
            Positions = config.BlockSize,
            Width = config.Width,
            Layers = config.Layers,
            Heads = config.Heads,
            Inner = config.MlpWidth == 4 * config.Width ? null : config.MlpWidth,
            ActivationFunction = config.Activation switch { MlpActivation.Gelu => "gelu", MlpActivation.SwiGlu => "swiglu", _ => "gelu_new" },
            LayerNormEpsilon = config.NormEps,
            ResidPdrop = config.Dropout,
            EmbdPdrop = config.Dropout,
            AttnPdrop = config.Dropout,
            TieWordEmbeddings = config.TiedEmbeddings,
            BosTokenId = eos,
            EosTokenId = eos,
            PositionKind = config.Positions == PositionEncoding.Learned ? "learned" : "sinusoidal",
            NormKind = config.Norm switch { NormKind.LayerNorm => "layernorm", NormKind.RmsNorm => "rmsnorm", _ => "dyt" },
            Bias = config.Bias,
            KvHeads = config.KvHeadCount == config.Heads ? null : config.KvHeadCount,
            QkvBias = config.QkvBias,
            TransformersNote = note,
            VocabMultiple = config.VocabMultiple,
        };
    }

    /// <summary>Our config for a Hugging Face GPT-2 config; rejects what our GPT cannot run, naming the key.</summary>
    public static GptConfig FromHuggingFace(HuggingFaceGpt2Config hf, string path)
    {
        if (hf.Inner is { } inner && inner < 1)
            throw new InvalidDataException($"model config '{path}': n_inner {inner} is not a positive MLP width.");
        var activation = hf.ActivationFunction switch
        {
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => MlpActivation.GeluTanh,
            "gelu" => MlpActivation.Gelu,
            "swiglu" when hf.ModelType == HuggingFaceGpt2Config.SharpLMModelType => MlpActivation.SwiGlu,
            _ => throw new InvalidDataException($"model config '{path}': activation_function '{hf.ActivationFunction}' is not supported (expected gelu_new, GELU's tanh approximation, or gelu, the exact GELU)."),
        };
        if (hf.ResidPdrop != hf.EmbdPdrop || hf.ResidPdrop != hf.AttnPdrop)
            throw new InvalidDataException($"model config '{path}': resid_pdrop, embd_pdrop and attn_pdrop differ ({hf.ResidPdrop}, {hf.EmbdPdrop}, {hf.AttnPdrop}); SharpLM has one dropout rate.");
        var positions = hf.PositionKind switch
        {
            "learned" => PositionEncoding.Learned,
            "sinusoidal" => PositionEncoding.Sinusoidal,
            _ => throw new InvalidDataException($"model config '{path}': sharplm.positions '{hf.PositionKind}' is not 'learned' or 'sinusoidal'."),
        };
        var norm = hf.NormKind switch
        {
            "layernorm" => NormKind.LayerNorm,
            "rmsnorm" => NormKind.RmsNorm,
            "dyt" => NormKind.DyT,
            _ => throw new InvalidDataException($"model config '{path}': sharplm.norm '{hf.NormKind}' is not 'layernorm', 'rmsnorm' or 'dyt'."),
        };
        var config = new GptConfig
        {
            VocabSize = hf.VocabSize,
            BlockSize = hf.Positions,
            Layers = hf.Layers,
            Heads = hf.Heads,
            KvHeads = hf.KvHeads is { } kv && kv != hf.Heads ? kv : 0,
            Width = hf.Width,
            MlpHidden = hf.Inner is { } f && f != 4 * hf.Width ? f : 0,
            Dropout = hf.ResidPdrop,
            Bias = hf.Bias,
            QkvBias = hf.QkvBias,
            TiedEmbeddings = hf.TieWordEmbeddings,
            Positions = positions,
            Norm = norm,
            Activation = activation,
            NormEps = hf.LayerNormEpsilon,
            VocabMultiple = hf.VocabMultiple,
        };
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"model config '{path}': {e.Message}", e); }
    }
}
