using System.Diagnostics;
using SharpLM.Tensors;

namespace SharpLM.Autograd;

/// <summary>One row of a training-step profile: an op (with its output shape), the pass, its category and the time it took.</summary>
/// <param name="Name">The op and its output shape, e.g. <c>Linear [4,64,50304]</c>, or a named phase such as <c>AdamW</c>.</param>
/// <param name="Phase">"fwd", "bwd" or "update".</param>
/// <param name="Category">The coarse bucket (matmul, attention, norm, activation, cross-entropy, embedding, residual, optimizer, other).</param>
/// <param name="Milliseconds">Total time spent, summed over every call since the profiler was cleared.</param>
/// <param name="Calls">How many times it ran.</param>
public sealed record ProfileEntry(string Name, string Phase, string Category, double Milliseconds, int Calls);

/// <summary>
/// A per-op profiler for training steps, so the next optimization is chosen by measurement:
/// attach it to a <see cref="Tape"/> (<see cref="Tape.Profiler"/>) and the tape charges each
/// op's forward (the time since the previous op finished) and each backward closure to the op
/// that recorded it, keyed by op name and output shape. With no profiler attached the tape
/// pays one null check per op.
/// </summary>
public sealed class TapeProfiler
{
    private readonly Dictionary<(string Name, string Phase), (string Category, double Ms, int Calls)> _totals = new();
    private readonly List<(string Name, string Category)> _backwardNames = new();
    private long _mark = Stopwatch.GetTimestamp();
    private double _nestedMs;

    /// <summary>Starts the forward clock: the next op's forward is charged the time from now until it records.</summary>
    public void BeginForward() => _mark = Stopwatch.GetTimestamp();

    /// <summary>Adds <paramref name="milliseconds"/> to a named entry (the optimizer, zeroing gradients, anything outside the tape).</summary>
    public void Add(string name, string phase, string category, double milliseconds)
    {
        var key = (name, phase);
        _totals.TryGetValue(key, out var e);
        _totals[key] = (category, e.Ms + milliseconds, e.Calls + 1);
    }

    /// <summary>
    /// Charges the time since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>) to a part of the op
    /// now running, e.g. the softmax inside the fused head + loss; the op's own entry is charged the rest.
    /// </summary>
    public void AddNested(string name, string phase, string category, long start)
    {
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Add(name, phase, category, ms);
        _nestedMs += ms;
    }

    /// <summary>Every entry so far, slowest first.</summary>
    public IReadOnlyList<ProfileEntry> Entries() =>
        _totals.Select(kv => new ProfileEntry(kv.Key.Name, kv.Key.Phase, kv.Value.Category, kv.Value.Ms, kv.Value.Calls))
               .OrderByDescending(e => e.Milliseconds).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();

    /// <summary>Total milliseconds per category and pass (e.g. "matmul fwd"), slowest first.</summary>
    public IReadOnlyList<(string Category, double Milliseconds)> Categories() =>
        Entries().GroupBy(e => e.Phase == "update" ? e.Category : $"{e.Category} {e.Phase}")
                 .Select(g => (g.Key, g.Sum(e => e.Milliseconds))).OrderByDescending(c => c.Item2).ToList();

    /// <summary>Sum of every entry, in milliseconds.</summary>
    public double TotalMilliseconds => _totals.Values.Sum(v => v.Ms);

    /// <summary>Forgets all totals.</summary>
    public void Clear() { _totals.Clear(); _backwardNames.Clear(); }

    /// <summary>The coarse bucket an op belongs to, by the name of the <see cref="Ops"/> method that ran it.</summary>
    public static string CategoryOf(string op) => op switch
    {
        "Linear" or "LinearCrossEntropy" => "matmul",
        "CausalSelfAttention" or "ScaledDotProductAttention" => "attention",
        "LayerNorm" or "RmsNorm" or "DyT" => "norm",
        "Gelu" or "Silu" or "SwiGlu" => "activation",
        "CrossEntropy" => "cross-entropy",
        "Embedding" or "AddBroadcast" => "embedding",
        "Add" => "residual",
        _ => "other",
    };

    /// <summary>Called by the tape when an op records its output: charges the op's forward since the last mark.</summary>
    internal void OnForward(Delegate? backward, Tensor output, bool recorded)
    {
        string op = OpName(backward);
        string name = $"{op} {Tensor.FormatShape(output.Shape)}";
        string category = CategoryOf(op);
        long now = Stopwatch.GetTimestamp(); // the bookkeeping above is charged to this op, so the forward has no gaps
        Add(name, "fwd", category, Stopwatch.GetElapsedTime(_mark, now).TotalMilliseconds - _nestedMs);
        _nestedMs = 0;
        if (recorded) _backwardNames.Add((name, category));
        _mark = now;
    }

    /// <summary>Called by the tape after backward step <paramref name="index"/> (in recording order) ran since <paramref name="start"/>.</summary>
    internal void OnBackward(int index, long start)
    {
        var (name, category) = index < _backwardNames.Count ? _backwardNames[index] : ("unnamed", "other");
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds - _nestedMs;
        _nestedMs = 0;
        Add(name, "bwd", category, ms);
    }

    /// <summary>Called by the tape when it forgets its graph.</summary>
    internal void OnReset() { _backwardNames.Clear(); _nestedMs = 0; }

    /// <summary>The op's name from its backward lambda: the compiler names it <c>&lt;Linear&gt;b__0</c> after the method it is in.</summary>
    private static string OpName(Delegate? backward)
    {
        if (backward is null) return "op";
        string m = backward.Method.Name;
        int open = m.IndexOf('<'), close = m.IndexOf('>');
        return open >= 0 && close > open + 1 ? m[(open + 1)..close] : m;
    }
}
