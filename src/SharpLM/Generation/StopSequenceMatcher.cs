namespace SharpLM.Generation;

/// <summary>
/// Watches generated text for stop sequences while it streams. Text that might be the
/// beginning of a stop sequence is held back until it is clear either way, so a stop
/// sequence is never partly printed.
/// </summary>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly System.Text.StringBuilder _text = new();
    private int _emitted;

    /// <summary>Creates a matcher for the given stop sequences (none: text passes straight through).</summary>
    public StopSequenceMatcher(IReadOnlyList<string> stops) => _stops = stops.Where(s => s.Length > 0).ToArray();

    /// <summary>True once a stop sequence has appeared.</summary>
    public bool Stopped { get; private set; }

    /// <summary>All text kept so far (up to, not including, a stop sequence once stopped).</summary>
    public string Text => _text.ToString();

    /// <summary>Adds newly decoded text; returns the part that is now safe to show.</summary>
    public string Push(string piece)
    {
        if (Stopped || piece.Length == 0) return "";
        int searchFrom = Math.Max(0, _emitted - MaxStopLength + 1);
        _text.Append(piece);
        var all = _text.ToString();
        int stopAt = -1;
        foreach (var s in _stops)
        {
            int i = all.IndexOf(s, searchFrom, StringComparison.Ordinal);
            if (i >= 0 && (stopAt < 0 || i < stopAt)) stopAt = i;
        }
        if (stopAt >= 0)
        {
            Stopped = true;
            _text.Length = Math.Max(stopAt, _emitted);
            return Take(_text.Length);
        }
        return Take(all.Length - HeldBack(all));
    }

    /// <summary>Ends the stream: returns any text still held back.</summary>
    public string Flush() => Take(_text.Length);

    private int MaxStopLength => _stops.Length == 0 ? 1 : _stops.Max(s => s.Length);

    // Length of the longest suffix of the text that is a proper prefix of some stop sequence.
    private int HeldBack(string all)
    {
        int held = 0;
        foreach (var s in _stops)
            for (int len = Math.Min(s.Length - 1, all.Length - _emitted); len > held; len--)
                if (string.CompareOrdinal(all, all.Length - len, s, 0, len) == 0) { held = len; break; }
        return held;
    }

    private string Take(int upTo)
    {
        if (upTo <= _emitted) return "";
        var s = _text.ToString(_emitted, upTo - _emitted);
        _emitted = upTo;
        return s;
    }
}
