using System.Text.RegularExpressions;
using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Saves and loads a <see cref="Gpt"/> in Hugging Face's GPT-2 layout: <c>model.safetensors</c>
/// with exactly the tensor names and shapes of the <c>gpt2</c> checkpoint, and a
/// <c>config.json</c> with GPT-2's keys. So a model trained here opens in <c>transformers</c>
/// and a GPT-2 downloaded from the Hub runs here.
/// </summary>
/// <remarks>
/// Differences between our memory layout and the file: Hugging Face's <c>Conv1D</c> layers
/// (<c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c>) store the weight <c>[in, out]</c> while ours is
/// <c>[out, in]</c>, so those are transposed; <c>wte</c> (and an untied <c>lm_head</c>) hold
/// only the V real rows, not the Vp padded ones. The causal-mask buffers
/// <c>h.{i}.attn.bias</c>/<c>masked_bias</c> of older GPT-2 files are not weights: we do not
/// write them and we skip them on load. Tensors for what GPT-2 cannot express keep our names:
/// DyT's <c>….alpha</c> and an untied <c>lm_head.weight [V, C]</c> (an nn.Linear, as in
/// <c>GPT2LMHeadModel</c>, whose <c>transformer.</c> prefix the other names then carry);
/// missing biases (bias off) and <c>wpe</c> (sinusoidal positions)
/// are simply absent, and <c>config.json</c>'s <c>"sharplm"</c> object says why.
/// </remarks>
public static partial class GptHuggingFace
{
    /// <summary>File name of the weights inside a model folder.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>File name of the architecture description inside a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each atomically).</summary>
    public static void Save(Gpt model, string directory, int? eosTokenId = null)
    {
        Directory.CreateDirectory(directory);
        var entries = new List<SafetensorsEntry>();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var data = parameter.Data;
            string stored = FileName(name, model.Config);
            if (IsVocabularyMatrix(name))
            {
                int v = model.Config.VocabSize;
                entries.Add(new SafetensorsEntry(stored, [v, data.Dim(1)], () => data.Rows(0, v)));
            }
            else if (IsConv1DWeight(name))
                entries.Add(new SafetensorsEntry(stored, [data.Dim(1), data.Dim(0)], () => Transposed(data)));
            else
                entries.Add(new SafetensorsEntry(stored, data.ShapeArray, () => data));
        }
        Safetensors.Write(Path.Combine(directory, WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        ToHuggingFace(model.Config, eosTokenId).Write(Path.Combine(directory, ConfigFile));
    }

    /// <summary>Reads a model folder written by <see cref="Save"/> or by Hugging Face (<c>gpt2</c> and its relatives).</summary>
    public static Gpt Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"model folder '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFile);
        string weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"model folder '{directory}' has no {ConfigFile} (the architecture description).", configPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"model folder '{directory}' has no {WeightsFile} (the weights).", weightsPath);

        var config = FromHuggingFace(HuggingFaceGpt2Config.Read(configPath), configPath);
        CheckWeightsCanHold(config, configPath, weightsPath);
        var model = Gpt.Uninitialized(config);
        using var file = SafetensorsFile.Open(weightsPath);
        LoadWeights(model, file);
        return model;
    }

    // Hostile-input guard: a config.json claiming a huge model must not get that model allocated
    // unless the weights file is big enough to hold it (a lower bound on its values, at 2 bytes each).
    private static void CheckWeightsCanHold(GptConfig config, string configPath, string weightsPath)
    {
        long c = config.Width, minimumValues = config.VocabSize * c + config.Layers * 2 * c * c;
        long fileBytes = new FileInfo(weightsPath).Length;
        if (minimumValues > fileBytes / 2)
            throw new InvalidDataException($"model config '{configPath}' describes a model of at least {minimumValues:N0} parameters, but '{weightsPath}' is only {fileBytes:N0} bytes (config and weights do not match).");
    }

    /// <summary>Copies the weights of an open safetensors file into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadWeights(Gpt model, SafetensorsFile file)
    {
        var fileNames = MapFileNames(file, model.Config);
        var missing = new List<string>();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            if (!fileNames.Remove(name, out var stored))
            {
                missing.Add(name);
                continue;
            }
            var info = file.Info(stored);
            var data = parameter.Data;
            int[] expected = IsVocabularyMatrix(name) ? [model.Config.VocabSize, data.Dim(1)]
                : IsConv1DWeight(name) ? [data.Dim(1), data.Dim(0)]
                : data.ShapeArray;
            if (!info.Shape.AsSpan().SequenceEqual(expected))
                throw new InvalidDataException($"'{file.Path}': tensor '{stored}' has shape {Tensor.FormatShape(info.Shape)}, the config needs {Tensor.FormatShape(expected)}{(IsConv1DWeight(name) ? " (Conv1D weights are stored [in, out])" : "")}.");
            if (IsConv1DWeight(name))
                TransposeInto(file.ReadTensor(stored), data);
            else
                file.ReadInto(stored, data.Span[..(int)info.ElementCount]);
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"'{file.Path}' lacks {missing.Count} tensor(s) the config needs: {Preview(missing)}.");
        if (fileNames.Count > 0)
            throw new InvalidDataException($"'{file.Path}' has {fileNames.Count} tensor(s) this config has no place for: {Preview(fileNames.Values)} (does config.json match the weights?).");
    }

    /// <summary>Our name for every tensor in the file, minus the causal-mask buffers and a tied head; errors on names that collide.</summary>
    private static Dictionary<string, string> MapFileNames(SafetensorsFile file, GptConfig config)
    {
        var map = new Dictionary<string, string>();
        foreach (var info in file.Tensors)
        {
            string name = info.Name.StartsWith("transformer.", StringComparison.Ordinal) ? info.Name["transformer.".Length..] : info.Name;
            if (MaskBuffer().IsMatch(name)) continue;
            // GPT2LMHeadModel files may repeat the tied head; it is wte itself, so nothing to load.
            if (name == "lm_head.weight" && config.TiedEmbeddings) continue;
            if (!map.TryAdd(name, info.Name))
                throw new InvalidDataException($"'{file.Path}': tensors '{map[name]}' and '{info.Name}' both name '{name}'.");
        }
        return map;
    }

    /// <summary>The Hugging Face config for <paramref name="config"/>.</summary>
    public static HuggingFaceGpt2Config ToHuggingFace(GptConfig config, int? eosTokenId = null)
    {
        int? eos = eosTokenId ?? (config.VocabSize == 50257 ? 50256 : null);
        return new HuggingFaceGpt2Config
        {
            VocabSize = config.VocabSize,
            Positions = config.BlockSize,
            Width = config.Width,
            Layers = config.Layers,
            Heads = config.Heads,
            Inner = null,
            ActivationFunction = config.Activation == MlpActivation.Gelu ? "gelu" : "gelu_new",
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
            VocabMultiple = config.VocabMultiple,
        };
    }

    /// <summary>Our config for a Hugging Face GPT-2 config; rejects what our GPT cannot run, naming the key.</summary>
    public static GptConfig FromHuggingFace(HuggingFaceGpt2Config hf, string path)
    {
        if (hf.Inner is { } inner && inner != 4 * hf.Width)
            throw new InvalidDataException($"model config '{path}': n_inner {inner} is not supported (the MLP is 4·n_embd = {4 * hf.Width} wide).");
        var activation = hf.ActivationFunction switch
        {
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => MlpActivation.GeluTanh,
            "gelu" => MlpActivation.Gelu,
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
            Width = hf.Width,
            Dropout = hf.ResidPdrop,
            Bias = hf.Bias,
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

    /// <summary>
    /// The name a parameter gets in the file: GPT-2's bare names (<c>wte.weight</c>) when the head
    /// is tied, as in the <c>gpt2</c> checkpoint; with a separate head, <c>GPT2LMHeadModel</c>'s
    /// names (<c>transformer.wte.weight</c> … and <c>lm_head.weight</c>), because transformers
    /// would read a bare-named file's <c>lm_head.weight</c> as part of the base model.
    /// </summary>
    private static string FileName(string name, GptConfig config) =>
        config.TiedEmbeddings || name == "lm_head.weight" ? name : "transformer." + name;

    /// <summary>True for the <c>[V(p), C]</c> matrices stored with only the V real rows.</summary>
    private static bool IsVocabularyMatrix(string name) => name is "wte.weight" or "lm_head.weight";

    /// <summary>True for the weights Hugging Face's GPT-2 keeps in a Conv1D (<c>[in, out]</c>).</summary>
    private static bool IsConv1DWeight(string name) => Conv1DWeight().IsMatch(name);

    /// <summary>A new <c>[cols, rows]</c> tensor holding the transpose of a <c>[rows, cols]</c> matrix.</summary>
    private static Tensor Transposed(Tensor source)
    {
        var result = new Tensor(source.Dim(1), source.Dim(0));
        TransposeInto(source, result);
        return result;
    }

    /// <summary>Writes the transpose of <paramref name="source"/> <c>[rows, cols]</c> into <paramref name="destination"/> <c>[cols, rows]</c>, in cache-sized tiles.</summary>
    private static unsafe void TransposeInto(Tensor source, Tensor destination)
    {
        const int tile = 16;
        int rows = source.Dim(0), cols = source.Dim(1);
        float* src = source.Pointer, dst = destination.Pointer;
        for (int c0 = 0; c0 < cols; c0 += tile)
        {
            int c1 = Math.Min(c0 + tile, cols);
            for (int r0 = 0; r0 < rows; r0 += tile)
            {
                int r1 = Math.Min(r0 + tile, rows);
                for (int c = c0; c < c1; c++)
                {
                    float* to = dst + (long)c * rows;
                    float* from = src + c;
                    for (int r = r0; r < r1; r++) to[r] = from[(long)r * cols];
                }
            }
        }
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? $", … ({list.Count - 8} more)" : "");
    }

    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")]
    private static partial Regex Conv1DWeight();

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex MaskBuffer();
}
