using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>
/// The small part of a checkpoint that is not tensors (<c>trainer_state.json</c>): which step
/// the run reached, the random generators' exact states, the elapsed time, the
/// hyperparameters and a fingerprint of the data, so <c>--resume</c> continues the very same run.
/// </summary>
public sealed record TrainerState
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "trainer_state.json";

    /// <summary>Optimizer steps completed.</summary>
    public required int Step { get; init; }

    /// <summary>State of the batch-sampling generator.</summary>
    public required ulong[] BatchRng { get; init; }

    /// <summary>State of the dropout generator.</summary>
    public required ulong[] DropoutRng { get; init; }

    /// <summary>Training wall time so far, in seconds.</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>The hyperparameters of the run.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>Number of tokens in the data stream the run trains on.</summary>
    public required long DataTokens { get; init; }

    /// <summary>A hash of the token stream, so resuming on different data is caught.</summary>
    public required ulong DataHash { get; init; }

    /// <summary>Fraction of the token stream held out for validation.</summary>
    public required double ValFraction { get; init; }

    /// <summary>Where the data came from (informational).</summary>
    public string DataSource { get; init; } = "";

    /// <summary>The training objective's name (<see cref="ITrainingObjective.Name"/>): "causal-lm", "mlm-nsp", …</summary>
    public string Objective { get; init; } = "causal-lm";

    /// <summary>FNV-1a hash of a token stream (deterministic, order-sensitive).</summary>
    public static ulong HashTokens(ReadOnlySpan<int> tokens)
    {
        var h = new Fingerprint();
        h.Add(tokens);
        return h.Value;
    }

    /// <summary>Writes the state as JSON, atomically.</summary>
    public void Write(string path)
    {
        var o = Options;
        var json = new JsonObject
        {
            ["format"] = "sharplm-trainer-state-1",
            ["step"] = Step,
            ["objective"] = Objective,
            ["batch_rng"] = Hex(BatchRng),
            ["dropout_rng"] = Hex(DropoutRng),
            ["elapsed_s"] = ElapsedSeconds,
            ["data"] = new JsonObject { ["tokens"] = DataTokens, ["hash"] = DataHash.ToString("x16"), ["val_fraction"] = ValFraction, ["source"] = DataSource },
            ["options"] = new JsonObject
            {
                ["batch_size"] = o.BatchSize, ["block_size"] = o.BlockSize, ["grad_accum"] = o.GradAccumSteps,
                ["max_steps"] = o.MaxSteps, ["lr"] = o.LearningRate, ["min_lr"] = o.MinLearningRate,
                ["warmup"] = o.WarmupSteps, ["decay_steps"] = o.DecaySteps, ["weight_decay"] = o.WeightDecay,
                ["beta1"] = o.Beta1, ["beta2"] = o.Beta2, ["clip"] = o.GradClip, ["eval_every"] = o.EvalEvery,
                ["eval_batches"] = o.EvalBatches, ["save_every"] = o.SaveEvery, ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            },
        };
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a state written by <see cref="Write"/>; a missing or malformed field throws <see cref="InvalidDataException"/> naming it.</summary>
    public static TrainerState Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no trainer state (is this a training run folder?).", path);
        Exception Corrupt(string field, string problem) => new InvalidDataException($"{path}: {field}: {problem}; the checkpoint is corrupt or truncated.");
        var bytes = JsonLimits.ReadFile(path, JsonLimits.MaxSmallFileBytes, Corrupt);
        using (JsonLimits.Parse(bytes, Corrupt)) { } // size, depth and Unicode checks
        JsonNode? root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = JsonLimits.MaxDepth });
        if (root is not JsonObject obj) throw new InvalidDataException($"{path}: expected a JSON object.");
        try
        {
            if ((string?)obj["format"] != "sharplm-trainer-state-1") throw Bad(path, "format", "\"sharplm-trainer-state-1\"");
            var opt = obj["options"] as JsonObject ?? throw Bad(path, "options", "an object");
            var data = obj["data"] as JsonObject ?? throw Bad(path, "data", "an object");
            var options = new TrainingOptions
            {
                BatchSize = Get<int>(opt, "batch_size", path), BlockSize = Get<int>(opt, "block_size", path),
                GradAccumSteps = Get<int>(opt, "grad_accum", path), MaxSteps = Get<int>(opt, "max_steps", path),
                LearningRate = Get<float>(opt, "lr", path), MinLearningRate = Get<float>(opt, "min_lr", path),
                WarmupSteps = Get<int>(opt, "warmup", path), DecaySteps = opt["decay_steps"] is null ? null : Get<int>(opt, "decay_steps", path),
                WeightDecay = Get<float>(opt, "weight_decay", path), Beta1 = Get<float>(opt, "beta1", path),
                Beta2 = Get<float>(opt, "beta2", path), GradClip = Get<float>(opt, "clip", path),
                EvalEvery = Get<int>(opt, "eval_every", path), EvalBatches = Get<int>(opt, "eval_batches", path),
                SaveEvery = Get<int>(opt, "save_every", path),
                Seed = ulong.Parse(Get<string>(opt, "seed", path), CultureInfo.InvariantCulture),
            };
            return new TrainerState
            {
                Step = Get<int>(obj, "step", path),
                BatchRng = Unhex(obj["batch_rng"], path, "batch_rng"),
                DropoutRng = Unhex(obj["dropout_rng"], path, "dropout_rng"),
                ElapsedSeconds = Get<double>(obj, "elapsed_s", path),
                Options = options.Validate(),
                DataTokens = Get<long>(data, "tokens", path),
                DataHash = ulong.Parse(Get<string>(data, "hash", path), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ValFraction = Get<double>(data, "val_fraction", path),
                DataSource = (string?)data["source"] ?? "",
                Objective = (string?)obj["objective"] ?? "causal-lm",
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static T Get<T>(JsonObject o, string key, string path)
    {
        var node = o[key] ?? throw Bad(path, key, "a value");
        return node.GetValue<T>();
    }

    private static InvalidDataException Bad(string path, string key, string expected) =>
        new($"{path}: field '{key}' is missing or wrong; expected {expected}.");

    private static JsonArray Hex(ulong[] state) => new(state.Select(s => (JsonNode)JsonValue.Create(s.ToString("x16"))!).ToArray());

    private static ulong[] Unhex(JsonNode? node, string path, string key)
    {
        if (node is not JsonArray a || a.Count != 6) throw Bad(path, key, "an array of 6 hex numbers");
        return a.Select(n => ulong.Parse((string)n!, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
    }
}
