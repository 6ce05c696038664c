using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>One line of <c>metrics.jsonl</c>: what training looked like at a step.</summary>
public sealed record MetricsRecord
{
    /// <summary>Optimizer steps completed (0: before training).</summary>
    public int Step { get; init; }

    /// <summary>Mean training loss of this step's batch (null on the step-0 evaluation line).</summary>
    public double? TrainLoss { get; init; }

    /// <summary>Mean validation loss, on evaluation steps only.</summary>
    public double? ValLoss { get; init; }

    /// <summary>The evaluation's task metrics on evaluation steps (e.g. <c>mlm_accuracy</c>), logged as <c>val_NAME</c>.</summary>
    public IReadOnlyDictionary<string, double>? ValMetrics { get; init; }

    /// <summary>Learning rate used by this step.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Global gradient norm before clipping.</summary>
    public double? GradNorm { get; init; }

    /// <summary>Training throughput of this step.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>Achieved compute (6·N + attention FLOPs per token × tokens/s), in GFLOP/s.</summary>
    public double? Gflops { get; init; }

    /// <summary>Training wall time since the run began (across resumes), in seconds.</summary>
    public double ElapsedSeconds { get; init; }
}

/// <summary>
/// The training log <c>metrics.jsonl</c>: one JSON object per line (<c>step</c>, <c>train_loss</c>,
/// <c>lr</c>, <c>tokens_per_s</c>, <c>elapsed_s</c>, and <c>val_loss</c> on evaluation steps), easy
/// to plot or read from any language. Appends as the run goes; a resumed run first drops
/// lines past its checkpoint, so the log tells one consistent story.
/// </summary>
public sealed class MetricsLog
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "metrics.jsonl";

    /// <summary>Opens (or creates) the log at <paramref name="path"/>.</summary>
    public MetricsLog(string path) => Path = path;

    /// <summary>Location of the log.</summary>
    public string Path { get; }

    /// <summary>Starts a fresh log (for a new run).</summary>
    public void Reset() => AtomicFile.WriteAllText(Path, "");

    /// <summary>Keeps only the records with step ≤ <paramref name="step"/> (when resuming from that step).</summary>
    public void TruncateAfter(int step)
    {
        if (!File.Exists(Path)) { Reset(); return; }
        var kept = new StringBuilder();
        foreach (var line in File.ReadLines(Path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var r = Parse(line);
            if (r is not null && r.Step <= step) kept.Append(line).Append('\n');
        }
        AtomicFile.WriteAllText(Path, kept.ToString());
    }

    /// <summary>Appends one record as a line of JSON.</summary>
    public void Append(MetricsRecord r)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("step", r.Step);
            if (r.TrainLoss is { } tl) WriteFinite(w, "train_loss", tl);
            if (r.ValLoss is { } vl) WriteFinite(w, "val_loss", vl);
            if (r.ValMetrics is { } vm)
                foreach (var (name, value) in vm) WriteFinite(w, "val_" + name, value);
            if (r.LearningRate is { } lr) w.WriteNumber("lr", lr);
            if (r.GradNorm is { } gn) WriteFinite(w, "grad_norm", gn);
            if (r.TokensPerSecond is { } tps) w.WriteNumber("tokens_per_s", Math.Round(tps, 1));
            if (r.Gflops is { } gf) w.WriteNumber("gflops", Math.Round(gf, 2));
            w.WriteNumber("elapsed_s", Math.Round(r.ElapsedSeconds, 3));
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Every record in the log, in order (unreadable lines are skipped).</summary>
    public IReadOnlyList<MetricsRecord> ReadAll() =>
        File.Exists(Path) ? File.ReadLines(Path).Select(Parse).OfType<MetricsRecord>().ToList() : [];

    // JSON has no NaN/Infinity: a diverged loss is written as null.
    private static void WriteFinite(Utf8JsonWriter w, string key, double x)
    {
        if (double.IsFinite(x)) w.WriteNumber(key, Math.Round(x, 6));
        else w.WriteNull(key);
    }

    private static MetricsRecord? Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            double? Opt(string k) => o.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            Dictionary<string, double>? metrics = null;
            foreach (var p in o.EnumerateObject())
                if (p.Name.StartsWith("val_", StringComparison.Ordinal) && p.Name != "val_loss" && p.Value.ValueKind == JsonValueKind.Number)
                    (metrics ??= [])[p.Name[4..]] = p.Value.GetDouble();
            return new MetricsRecord
            {
                Step = o.GetProperty("step").GetInt32(),
                TrainLoss = Opt("train_loss"), ValLoss = Opt("val_loss"), ValMetrics = metrics, LearningRate = Opt("lr"),
                GradNorm = Opt("grad_norm"), TokensPerSecond = Opt("tokens_per_s"), Gflops = Opt("gflops"),
                ElapsedSeconds = Opt("elapsed_s") ?? 0,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
