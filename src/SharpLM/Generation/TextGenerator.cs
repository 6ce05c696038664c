using System.Diagnostics;
using System.Runtime.CompilerServices;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Generation;

/// <summary>
/// Text in, text out: encodes a prompt with the tokenizer, prefills it, then samples and
/// decodes one token at a time, streaming the text as it appears (whole UTF-8 characters
/// only, stop sequences held back until certain). Continuing keeps the conversation in the
/// KV cache, which is how <c>sharplm chat</c> remembers earlier turns.
/// </summary>
public sealed class TextGenerator
{
    private int? _pending; // sampled last but not yet fed to the model

    /// <summary>Creates a text generator for <paramref name="model"/> with <paramref name="tokenizer"/> (their vocabularies must agree).</summary>
    public TextGenerator(Gpt model, ITokenizer tokenizer, GeneratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.Config.VocabSize}: they do not belong together.");
        Generator = new Generator(model, options);
        Tokenizer = tokenizer;
    }

    /// <summary>Creates a text generator over an existing token generator (e.g. one running <see cref="QuantizedWeights"/>).</summary>
    public TextGenerator(Generator generator, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize > generator.Config.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {generator.Config.VocabSize}: they do not belong together.");
        Generator = generator;
        Tokenizer = tokenizer;
    }

    /// <summary>A beginning-of-sequence id put before the first prompt of a conversation (Llama's &lt;s&gt;; GGUF's add_bos_token), or null.</summary>
    public int? BeginOfSequenceId { get; set; }

    /// <summary>The end-of-sequence id that stops generation when the options name none (GGUF's eos_token_id); null falls back to &lt;|endoftext|&gt;.</summary>
    public int? EndOfSequenceId { get; set; }

    /// <summary>The token-level generator (KV cache) underneath.</summary>
    public Generator Generator { get; }

    /// <summary>The tokenizer that turns text into ids and back.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Counts and speed of the most recent generation (set when its stream ends).</summary>
    public GenerationStats? LastStats { get; private set; }

    /// <summary>Forgets the conversation (empties the context window).</summary>
    public void Reset()
    {
        Generator.Reset();
        _pending = null;
    }

    /// <summary>Generates a continuation of <paramref name="prompt"/> from an empty context and returns it whole.</summary>
    public string Generate(string prompt, GenerationOptions? options = null) => string.Concat(Stream(prompt, options));

    /// <summary>Streams the continuation of <paramref name="prompt"/> from an empty context, piece by piece.</summary>
    public IEnumerable<string> Stream(string prompt, GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        Reset();
        return Continue(prompt, options, cancellation);
    }

    /// <summary>
    /// Appends <paramref name="text"/> to the conversation already in the context and streams
    /// the model's continuation (a chat turn). The window slides if it fills.
    /// </summary>
    public IEnumerable<string> Continue(string text, GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        options = (options ?? new GenerationOptions()).Validate();
        var ids = new List<int>();
        if (_pending is int p) ids.Add(p);
        else if (Generator.Position == 0)
        {
            // A conversation starts with <s> when the model wants one (GGUF's add_bos_token) or when asked (--bos).
            if (BeginOfSequenceId is int bos) ids.Add(bos);
            else if (options.PrependBos)
                ids.Add(BosTokenOf(Tokenizer) ?? throw new ArgumentException("bos: the tokenizer has no beginning-of-sequence token (<s> or <|begin_of_text|>)."));
        }
        ids.AddRange(Tokenizer.Encode(text ?? ""));
        if (ids.Count == 0 && Generator.Position == 0)
        {
            // Nothing to condition on: start from the end-of-text token, as GPT-2 does unconditionally (or a Llama tokenizer's <s>).
            if (StopTokenOf(options) is int eot) ids.Add(eot);
            else if (BosTokenOf(Tokenizer) is int bos) ids.Add(bos);
            else throw new ArgumentException("prompt: empty, and the tokenizer has no <|endoftext|> or <s> token to start from.");
        }
        _pending = null;
        return Run(ids.ToArray(), options, cancellation);
    }

    /// <summary>The tokenizer's beginning-of-sequence token (SentencePiece/llama2.c <c>&lt;s&gt;</c>, Llama 3's <c>&lt;|begin_of_text|&gt;</c>), or null.</summary>
    public static int? BosTokenOf(ITokenizer tokenizer)
    {
        foreach (var name in new[] { "<s>", "<|begin_of_text|>" })
            if (tokenizer.SpecialTokens.TryGetValue(name, out int id)) return id;
        return null;
    }

    /// <summary>The same stream as <see cref="Stream"/>, as an async sequence (the work runs off the caller's thread).</summary>
    public async IAsyncEnumerable<string> StreamAsync(string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await Task.Yield();
        foreach (var piece in Stream(prompt, options, cancellation))
        {
            yield return piece;
            if (cancellation.IsCancellationRequested) yield break;
        }
    }

    private int? StopTokenOf(GenerationOptions o) =>
        o.IgnoreStopToken ? null : o.StopToken ?? EndOfSequenceId ?? (Tokenizer.SpecialTokens.TryGetValue("<|endoftext|>", out int eot) ? eot : null);

    private IEnumerable<string> Run(int[] promptIds, GenerationOptions options, CancellationToken cancellation)
    {
        var gen = Generator;
        var sampler = new Sampler(gen.Config.VocabSize, options.Sampling);
        var text = new TextStream(Tokenizer, options.StopSequences);
        int? stopToken = StopTokenOf(options);
        var finish = FinishReason.Length;
        int generated = 0;
        double prefillSeconds = 0, decodeSeconds = 0;
        var clock = Stopwatch.StartNew();
        int next = NextToken(gen.Prefill(promptIds), sampler);
        prefillSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        try
        {
            while (true)
            {
                generated++;
                if (next == stopToken) { finish = FinishReason.StopToken; _pending = next; break; }
                var piece = text.Push(next);
                if (piece.Length > 0)
                {
                    decodeSeconds += clock.Elapsed.TotalSeconds;
                    yield return piece;
                    clock.Restart();
                }
                if (text.Stopped) { finish = FinishReason.StopSequence; _pending = next; break; }
                if (generated >= options.MaxTokens) { finish = FinishReason.Length; _pending = next; break; }
                if (cancellation.IsCancellationRequested) { finish = FinishReason.Cancelled; _pending = next; break; }
                if (gen.IsFull && gen.Options.Overflow == ContextOverflow.Stop) { finish = FinishReason.ContextFull; _pending = next; break; }
                next = NextToken(gen.Decode(next), sampler);
            }
            var rest = text.Finish();
            if (rest.Length > 0) yield return rest;
        }
        finally
        {
            decodeSeconds += clock.Elapsed.TotalSeconds;
            LastStats = new GenerationStats(promptIds.Length, generated, prefillSeconds, decodeSeconds, finish);
        }
    }

    private int NextToken(ReadOnlySpan<float> logits, Sampler sampler) => sampler.Sample(logits, Generator.Tokens);
}
