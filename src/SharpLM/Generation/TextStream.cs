using SharpLM.Tokenizers;

namespace SharpLM.Generation;

/// <summary>
/// Turns generated token ids into printable text as they arrive: the tokenizer's streaming
/// decoder holds back a UTF-8 character split across tokens until it is whole, and the stop
/// matcher holds back text that might become a stop sequence.
/// </summary>
public sealed class TextStream
{
    private readonly StreamingDecoder _decoder;
    private readonly StopSequenceMatcher _stops;

    /// <summary>Creates a stream for <paramref name="tokenizer"/> that ends at any of <paramref name="stopSequences"/>.</summary>
    public TextStream(ITokenizer tokenizer, IReadOnlyList<string>? stopSequences = null)
    {
        _decoder = tokenizer.CreateStreamingDecoder();
        _stops = new StopSequenceMatcher(stopSequences ?? []);
    }

    /// <summary>True once a stop sequence has appeared; later tokens print nothing.</summary>
    public bool Stopped => _stops.Stopped;

    /// <summary>Adds one token and returns the text now safe to print (often empty while a character is incomplete).</summary>
    public string Push(int id) => _stops.Push(_decoder.Push(id));

    /// <summary>Ends the stream and returns whatever was held back (nothing after a stop sequence).</summary>
    public string Finish() => _stops.Stopped ? "" : _stops.Push(_decoder.Flush()) + _stops.Flush();
}
