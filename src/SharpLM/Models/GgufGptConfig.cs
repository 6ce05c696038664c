using SharpLM.Formats;
using SharpLM.Nn;

namespace SharpLM.Models;

/// <summary>
/// The architecture keys of a GGUF file (<c>{arch}.context_length</c>, <c>{arch}.block_count</c>,
/// <c>{arch}.attention.head_count_kv</c>…) read into a <see cref="GptConfig"/> and written from one.
/// Architectures: <c>llama</c> (Llama, TinyLlama, SmolLM, Mistral), <c>qwen2</c> (Llama with q/k/v
/// biases and rotate-half RoPE) and <c>gpt2</c>.
/// </summary>
public static class GgufGptConfig
{
    /// <summary>The architectures SharpLM maps onto <see cref="Gpt"/>.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["llama", "qwen2", "gpt2"];

    /// <summary>The file's <c>general.architecture</c>, checked to be one SharpLM runs.</summary>
    public static string Architecture(GgufFile file)
    {
        string arch = file.Require("general.architecture").AsString();
        if (!Architectures.Contains(arch))
            throw new GgufFormatException(file.Path, "general.architecture", $"'{arch}' is not an architecture SharpLM runs (it runs {string.Join(", ", Architectures)})");
        return arch;
    }

    /// <summary>Reads the model shape; <paramref name="maxContext"/> caps the context (rotary tables and caches grow with it).</summary>
    public static GptConfig Read(GgufFile file, int maxContext = 0)
    {
        string arch = Architecture(file);
        int Int(string key) => checked((int)file.Require($"{arch}.{key}").AsInt64());
        int? Optional(string key) => file.Get($"{arch}.{key}") is { } v ? checked((int)v.AsInt64()) : null;
        var embedding = file.Info("token_embd.weight");
        int width = Int("embedding_length");
        if (embedding.Dimensions.Length != 2 || embedding.Dimensions[0] != width)
            throw new GgufFormatException(file.Path, "token_embd.weight", $"expected [{width}, vocab] (ggml order), found [{string.Join(", ", embedding.Dimensions)}]");
        int vocab = checked((int)embedding.Dimensions[1]);
        int context = Int("context_length");
        if (maxContext > 0) context = Math.Min(context, maxContext);
        int heads = Int("attention.head_count");
        var config = new GptConfig
        {
            VocabSize = vocab,
            VocabMultiple = 1,
            BlockSize = context,
            Layers = Int("block_count"),
            Heads = heads,
            KvHeads = Optional("attention.head_count_kv") is { } kv && kv != heads ? kv : 0,
            Width = width,
            MlpHidden = Int("feed_forward_length"),
            Dropout = 0,
        };
        if (arch == "gpt2")
        {
            return (config with
            {
                MlpHidden = config.MlpHidden == 4 * width ? 0 : config.MlpHidden,
                Bias = true, Norm = NormKind.LayerNorm, Positions = PositionEncoding.Learned, Activation = MlpActivation.GeluTanh,
                TiedEmbeddings = !file.Contains("output.weight") || SameBytes(file, "output.weight", "token_embd.weight"),
                NormEps = file.Require("gpt2.attention.layer_norm_epsilon").AsFloat(),
            }).Validate();
        }
        int headSize = width / heads;
        if (Optional("rope.dimension_count") is { } ropeDims && ropeDims != headSize)
            throw new GgufFormatException(file.Path, $"{arch}.rope.dimension_count", $"partial rotary ({ropeDims} of {headSize} head channels) is not supported");
        if (file.Contains("rope_freqs.weight"))
            throw new GgufFormatException(file.Path, "rope_freqs.weight", "per-frequency rope factors (Llama 3.1 scaling) are not supported yet");
        RopeScaling? scaling = null;
        if (file.Get($"{arch}.rope.scaling.type") is { } st && st.AsString() is var kind && kind != "none")
        {
            if (kind != "linear") throw new GgufFormatException(file.Path, $"{arch}.rope.scaling.type", $"rope scaling '{kind}' is not supported (linear is)");
            scaling = new RopeScaling { Kind = RopeScalingKind.Linear, Factor = file.Require($"{arch}.rope.scaling.factor").AsFloat() };
        }
        return (config with
        {
            Bias = false,
            QkvBias = file.Contains("blk.0.attn_q.bias"),
            Norm = NormKind.RmsNorm,
            Positions = PositionEncoding.Rotary,
            Activation = MlpActivation.SwiGlu,
            TiedEmbeddings = !file.Contains("output.weight"),
            NormEps = file.Require($"{arch}.attention.layer_norm_rms_epsilon").AsFloat(),
            RopeTheta = file.Get($"{arch}.rope.freq_base")?.AsFloat() ?? 10000f,
            RopeScaling = scaling,
        }).Validate();
    }

    /// <summary>True when two tensors have the same type, shape and bytes (a tied head stored twice).</summary>
    public static bool SameBytes(GgufFile file, string a, string b)
    {
        var x = file.Info(a);
        var y = file.Info(b);
        return x.Type == y.Type && x.Dimensions.SequenceEqual(y.Dimensions) && x.ByteCount <= int.MaxValue && file.Bytes(x).SequenceEqual(file.Bytes(y));
    }

    /// <summary>The architecture name a config is written as: <c>gpt2</c>, <c>qwen2</c> (q/k/v biases) or <c>llama</c>.</summary>
    public static string ArchitectureOf(GptConfig config)
    {
        if (config.IsLlamaStyle && config.Norm == NormKind.RmsNorm && !config.Bias)
            return config.QkvBias ? "qwen2" : "llama";
        if (config.Positions == PositionEncoding.Learned && config.Norm == NormKind.LayerNorm && config.Bias
            && config.Activation is MlpActivation.GeluTanh)
            return "gpt2";
        throw new NotSupportedException("GGUF export needs a GPT-2 (learned positions, LayerNorm, biases, tanh GELU) or LLaMA-style model (rotary, RMSNorm, SwiGLU, no biases but optional q/k/v); this model is neither");
    }

    /// <summary>Adds the architecture keys for <paramref name="config"/> to <paramref name="writer"/>.</summary>
    public static void Write(GgufWriter writer, GptConfig config, string name)
    {
        string arch = ArchitectureOf(config);
        writer.Add("general.architecture", GgufValue.String(arch));
        writer.Add("general.name", GgufValue.String(name));
        void U32(string key, int value) => writer.Add($"{arch}.{key}", GgufValue.UInt32(checked((uint)value)));
        U32("context_length", config.BlockSize);
        U32("embedding_length", config.Width);
        U32("block_count", config.Layers);
        U32("feed_forward_length", config.MlpWidth);
        U32("attention.head_count", config.Heads);
        if (arch == "gpt2")
        {
            writer.Add("gpt2.attention.layer_norm_epsilon", GgufValue.Float32(config.NormEps));
            return;
        }
        U32("attention.head_count_kv", config.KvHeadCount);
        U32("rope.dimension_count", config.HeadSize);
        writer.Add($"{arch}.rope.freq_base", GgufValue.Float32(config.RopeTheta));
        writer.Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.Float32(config.NormEps));
        if (config.RopeScaling is { } s)
        {
            if (s.Kind != RopeScalingKind.Linear) throw new NotSupportedException("GGUF export of Llama 3 rope scaling is not supported yet (it needs rope_freqs.weight)");
            writer.Add($"{arch}.rope.scaling.type", GgufValue.String("linear"));
            writer.Add($"{arch}.rope.scaling.factor", GgufValue.Float32(s.Factor));
        }
        U32("vocab_size", config.VocabSize);
    }
}
