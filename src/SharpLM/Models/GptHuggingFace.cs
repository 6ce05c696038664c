using System.Text.RegularExpressions;
using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Saves and loads a <see cref="Gpt"/> in Hugging Face's layouts: GPT-2's (<c>model.safetensors</c>
/// with exactly the tensor names and shapes of the <c>gpt2</c> checkpoint and a <c>config.json</c>
/// with GPT-2's keys) for learned or sinusoidal positions, and LLaMA's (<see cref="LlamaHuggingFace"/>)
/// for rotary positions. So a model trained here opens in <c>transformers</c> and a model
/// downloaded from the Hub runs here. Sharded checkpoints (<c>model.safetensors.index.json</c>) load too.
/// </summary>
/// <remarks>
/// Differences between our memory layout and the GPT-2 file: Hugging Face's <c>Conv1D</c> layers
/// (<c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c>) store the weight <c>[in, out]</c> while ours is
/// <c>[out, in]</c>, so those are transposed; <c>wte</c> (and an untied <c>lm_head</c>) hold
/// only the V real rows, not the Vp padded ones. The causal-mask buffers
/// <c>h.{i}.attn.bias</c>/<c>masked_bias</c> of older GPT-2 files are not weights: we do not
/// write them and we skip them on load. So that <c>GPT2LMHeadModel</c> computes exactly what we
/// do, a model without biases gets zero tensors for every bias GPT-2 has, and sinusoidal
/// positions are written as the fixed table in <c>wpe</c> (adding it is what our model does);
/// on load those must still be zero / the table. Configurations GPT-2 cannot express (RMSNorm,
/// DyT, SwiGLU, grouped-query attention) are written with model_type <c>sharplm_gpt2</c> and
/// <c>sharplm.transformers</c> saying why, so transformers refuses them rather than running
/// something else; their extra tensors keep our names (DyT's <c>….alpha</c>, <c>mlp.gate</c>).
/// An untied <c>lm_head.weight [V, C]</c> is an nn.Linear, as in <c>GPT2LMHeadModel</c>, whose
/// <c>transformer.</c> prefix the other names then carry.
/// </remarks>
public static partial class GptHuggingFace
{
    /// <summary>File name of the weights inside a model folder.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>File name of the architecture description inside a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>
    /// Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each
    /// atomically): GPT-2's layout, or LLaMA's for rotary positions. <see cref="TransformersIncompatibility"/>
    /// says beforehand whether transformers will be able to run the result.
    /// </summary>
    public static void Save(Gpt model, string directory, int? eosTokenId = null)
    {
        if (model.Config.Positions == PositionEncoding.Rotary)
        {
            LlamaHuggingFace.Save(model, directory, eosTokenId);
            return;
        }
        Directory.CreateDirectory(directory);
        var config = model.Config;
        bool faithful = Gpt2Incompatibility(config) is null;
        var entries = new List<SafetensorsEntry>();
        var ours = new HashSet<string>();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            ours.Add(name);
            var data = parameter.Data;
            string stored = FileName(name, config);
            if (IsVocabularyMatrix(name))
            {
                int v = config.VocabSize;
                entries.Add(new SafetensorsEntry(stored, [v, data.Dim(1)], () => data.Rows(0, v)));
            }
            else if (IsConv1DWeight(name))
                entries.Add(new SafetensorsEntry(stored, [data.Dim(1), data.Dim(0)], () => Transposed(data)));
            else
                entries.Add(new SafetensorsEntry(stored, data.ShapeArray, () => data));
        }
        if (faithful)
        {
            foreach (var (name, size) in Gpt2Biases(config).Where(b => !ours.Contains(b.Name)))
                entries.Add(new SafetensorsEntry(FileName(name, config), [size], () => new Tensor(size)));
            if (model.SinusoidalTable is { } table)
                entries.Add(new SafetensorsEntry(FileName("wpe.weight", config), table.ShapeArray, () => table));
        }
        Safetensors.Write(Path.Combine(directory, WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        ToHuggingFace(config, eosTokenId).Write(Path.Combine(directory, ConfigFile));
    }

    /// <summary>
    /// Reads a model folder written by <see cref="Save"/> or by Hugging Face: GPT-2 (<c>gpt2</c> and its
    /// relatives) or a LLaMA-architecture model (<c>llama</c>, <c>qwen2</c>, <c>mistral</c> by config.json's model_type).
    /// </summary>
    public static Gpt Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"model folder '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"model folder '{directory}' has no {ConfigFile} (the architecture description).", configPath);
        if (!SafetensorsCheckpoint.Exists(directory))
            throw new FileNotFoundException($"model folder '{directory}' has no {WeightsFile} (the weights) and no {SafetensorsCheckpoint.IndexFile}.", Path.Combine(directory, WeightsFile));
        if (HuggingFaceLlamaConfig.IsLlamaFamily(ModelTypeOf(configPath)))
            return LlamaHuggingFace.Load(directory);

        var config = FromHuggingFace(HuggingFaceGpt2Config.Read(configPath), configPath);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        CheckWeightsCanHold(config, configPath, checkpoint);
        var model = Gpt.Uninitialized(config);
        LoadWeights(model, checkpoint);
        return model;
    }

    /// <summary>
    /// Hostile-input guard: a config.json claiming a huge model must not get that model allocated unless
    /// the checkpoint's tensors hold enough bytes for it (a lower bound on its values, at 1 byte each:
    /// the embedding plus the query and output projections of every layer).
    /// </summary>
    internal static void CheckWeightsCanHold(GptConfig config, string configPath, SafetensorsCheckpoint checkpoint)
    {
        long c = config.Width, minimumValues = config.VocabSize * c + config.Layers * 2 * c * c;
        long bytes = checkpoint.Tensors.Sum(t => t.End - t.Begin);
        if (minimumValues > bytes)
            throw new InvalidDataException($"model config '{configPath}' describes a model of at least {minimumValues:N0} parameters, but the weights in '{checkpoint.Path}' hold only {bytes:N0} bytes (config and weights do not match).");
    }

    /// <summary>
    /// Why Hugging Face transformers cannot run <paramref name="config"/> faithfully in the class its
    /// layout names (<c>GPT2LMHeadModel</c>, <c>LlamaForCausalLM</c>, <c>Qwen2ForCausalLM</c>), or null when it can.
    /// </summary>
    public static string? TransformersIncompatibility(GptConfig config) =>
        config.Positions == PositionEncoding.Rotary ? LlamaHuggingFace.Incompatibility(config) : Gpt2Incompatibility(config);

    /// <summary>Copies the weights of an open safetensors file into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadWeights(Gpt model, SafetensorsFile file) => LoadWeights(model, SafetensorsCheckpoint.FromFile(file));

    /// <summary>Copies the weights of a (possibly sharded) GPT-2-layout checkpoint into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadWeights(Gpt model, SafetensorsCheckpoint file)
    {
        var config = model.Config;
        var fileNames = MapFileNames(file, config);
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
            int[] expected = IsVocabularyMatrix(name) ? [config.VocabSize, data.Dim(1)]
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
        CheckWrittenForTransformers(model, file, fileNames);
        if (fileNames.Count > 0)
            throw new InvalidDataException($"'{file.Path}' has {fileNames.Count} tensor(s) this config has no place for: {Preview(fileNames.Values)} (does config.json match the weights?).");
    }

    /// <summary>
    /// Accepts (and removes from <paramref name="leftovers"/>) what <see cref="Save"/> writes only for
    /// transformers' sake: zero biases of a model without them, and the sinusoidal table as <c>wpe</c>.
    /// Either must still hold those values, or the file is not the model its config describes.
    /// </summary>
    private static void CheckWrittenForTransformers(Gpt model, SafetensorsCheckpoint file, Dictionary<string, string> leftovers)
    {
        var config = model.Config;
        foreach (var (name, size) in Gpt2Biases(config))
        {
            if (!leftovers.Remove(name, out var stored)) continue;
            var info = file.Info(stored);
            if (!info.Shape.AsSpan().SequenceEqual([size]))
                throw new InvalidDataException($"'{file.Path}': tensor '{stored}' has shape {Tensor.FormatShape(info.Shape)}, expected [{size}].");
            var values = file.ReadTensor(stored).Span;
            int nonZero = values.IndexOfAnyExcept(0f);
            if (nonZero >= 0 && values[nonZero] != 0f) // -0 is zero too
                throw new InvalidDataException($"'{file.Path}': bias '{stored}' holds non-zero values ({values[nonZero]} at {nonZero}) but config.json says this model has no such bias (sharplm.bias false); set it true to load the biases.");
        }
        if (model.SinusoidalTable is { } table && leftovers.Remove("wpe.weight", out var wpe))
        {
            var info = file.Info(wpe);
            if (!info.Shape.AsSpan().SequenceEqual(table.Shape))
                throw new InvalidDataException($"'{file.Path}': tensor '{wpe}' has shape {Tensor.FormatShape(info.Shape)}, the sinusoidal table is {Tensor.FormatShape(table.Shape)}.");
            var stored = file.ReadTensor(wpe).Span;
            var expected = table.Span;
            for (int i = 0; i < expected.Length; i++)
                if (MathF.Abs(stored[i] - expected[i]) > 1e-6f)
                    throw new InvalidDataException($"'{file.Path}': '{wpe}' differs from the sinusoidal position table at element {i} ({stored[i]} vs {expected[i]}): positions were trained; set sharplm.positions to 'learned' to load them.");
        }
    }

    /// <summary>Every bias <c>GPT2LMHeadModel</c> has, with its length (our names).</summary>
    private static IEnumerable<(string Name, int Size)> Gpt2Biases(GptConfig config)
    {
        int c = config.Width;
        for (int l = 0; l < config.Layers; l++)
        {
            yield return ($"h.{l}.ln_1.bias", c);
            yield return ($"h.{l}.attn.c_attn.bias", config.QkvWidth);
            yield return ($"h.{l}.attn.c_proj.bias", c);
            yield return ($"h.{l}.ln_2.bias", c);
            yield return ($"h.{l}.mlp.c_fc.bias", config.MlpWidth);
            yield return ($"h.{l}.mlp.c_proj.bias", c);
        }
        yield return ("ln_f.bias", c);
    }

    /// <summary>Why <c>GPT2LMHeadModel</c> cannot run <paramref name="config"/> as we do, or null.</summary>
    private static string? Gpt2Incompatibility(GptConfig config)
    {
        var gaps = new List<string>();
        if (config.Norm == NormKind.RmsNorm) gaps.Add("RMSNorm (GPT-2 has LayerNorm)");
        if (config.Norm == NormKind.DyT) gaps.Add("DyT in place of norms (GPT-2 has LayerNorm)");
        if (config.Activation == MlpActivation.SwiGlu) gaps.Add("a SwiGLU feed-forward (GPT-2's is ungated; LLaMA's layout needs rotary positions)");
        if (config.KvHeadCount != config.Heads) gaps.Add("grouped-query attention (GPT-2 has as many key/value heads as query heads)");
        return gaps.Count == 0 ? null : "GPT2LMHeadModel cannot run this model: " + string.Join("; ", gaps) + ".";
    }

    /// <summary>The <c>model_type</c> of a config.json, or null when it has none (or is not an object).</summary>
    private static string? ModelTypeOf(string configPath)
    {
        try
        {
            using var doc = JsonLimits.ParseFile(configPath, JsonLimits.MaxSmallFileBytes, (_, problem) => new InvalidDataException(problem));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String ? t.GetString() : null;
        }
        catch (InvalidDataException)
        {
            return null; // the GPT-2 reader reports the broken JSON (or string, or size) with its position
        }
    }

    /// <summary>Our name for every tensor in the file, minus the causal-mask buffers and a tied head; errors on names that collide.</summary>
    private static Dictionary<string, string> MapFileNames(SafetensorsCheckpoint file, GptConfig config)
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

    internal static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? $", … ({list.Count - 8} more)" : "");
    }

    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj|mlp\.gate)\.weight$")]
    private static partial Regex Conv1DWeight();

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex MaskBuffer();
}
