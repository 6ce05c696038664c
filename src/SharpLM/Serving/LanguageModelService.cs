using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Tokenizers;

namespace SharpLM.Serving;

/// <summary>
/// The one serving path from text to text for a decoder model: encodes the prompt (a chat
/// rendered with the model's template, or plain text), checks it fits the context window,
/// decodes through an <see cref="IDecodeEngine"/> (slots, queueing, batching), and streams the
/// answer as text pieces — whole characters, stop sequences held back and never shown — with
/// each token's logprobs when asked and the usage at the end. <see cref="SharpLMChatClient"/>
/// and the HTTP server both run on it. Thread-safe: each call is its own sequence.
/// </summary>
public sealed class LanguageModelService : IDisposable
{
    private readonly IDecodeEngine _engine;

    /// <summary>Serves <paramref name="engine"/>'s model with <paramref name="tokenizer"/> and chat <paramref name="template"/> under the id <paramref name="modelName"/>.</summary>
    public LanguageModelService(IDecodeEngine engine, ITokenizer tokenizer, ChatTemplate template, string modelName)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Template = template ?? throw new ArgumentNullException(nameof(template));
        ModelName = string.IsNullOrWhiteSpace(modelName) ? throw new ArgumentException("the model needs a name.", nameof(modelName)) : modelName;
        if (tokenizer.VocabSize > engine.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {engine.VocabSize}: they do not belong together.");
    }

    /// <summary>
    /// A service over <paramref name="generator"/>'s model with <paramref name="parallel"/> slots that
    /// share its weights; <paramref name="queueLimit"/> callers may wait. One slot decodes with the
    /// generator itself (<see cref="GeneratorSlotEngine"/>); several decode together, one batched
    /// forward step for all active sequences (<see cref="ContinuousBatchEngine"/>).
    /// The generator's BOS/EOS settings carry over.
    /// </summary>
    public static LanguageModelService Create(TextGenerator generator, ChatTemplate template, string modelName, int parallel = 1, int queueLimit = 64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        IDecodeEngine engine = parallel > 1
            ? ContinuousBatchEngine.SharingWeightsOf(generator.Generator, parallel, queueLimit)
            : GeneratorSlotEngine.SharingWeightsOf(generator.Generator, parallel, queueLimit);
        return new LanguageModelService(engine, generator.Tokenizer, template, modelName)
        {
            BeginOfSequenceId = generator.BeginOfSequenceId,
            EndOfSequenceId = generator.EndOfSequenceId,
        };
    }

    /// <summary>The model id this service answers to.</summary>
    public string ModelName { get; }

    /// <summary>The tokenizer prompts are encoded with.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The chat template conversations are rendered with.</summary>
    public ChatTemplate Template { get; }

    /// <summary>The decode engine underneath.</summary>
    public IDecodeEngine Engine => _engine;

    /// <summary>The context window in tokens.</summary>
    public int ContextLength => _engine.ContextLength;

    /// <summary>A beginning-of-sequence id put before every prompt (Llama's &lt;s&gt;), or null.</summary>
    public int? BeginOfSequenceId { get; init; }

    /// <summary>The end-of-sequence id that stops generation when the options name none; null falls back to &lt;|endoftext|&gt;.</summary>
    public int? EndOfSequenceId { get; init; }

    /// <summary>Renders <paramref name="messages"/> with the chat template (ending with the assistant header) and encodes it.</summary>
    /// <exception cref="ArgumentException">The roles break the template's rules or the text cannot be tokenized.</exception>
    public int[] EncodeChat(IReadOnlyList<Chat.ChatMessage> messages, GenerationOptions? options = null) =>
        EncodePrompt(Template.Render(messages, addGenerationPrompt: true), options);

    /// <summary>Encodes a plain prompt (with the beginning-of-sequence token when the model wants one); an empty prompt starts from the end-of-text token.</summary>
    /// <exception cref="ArgumentException">The text cannot be tokenized.</exception>
    public int[] EncodePrompt(string prompt, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        var ids = new List<int>();
        if (BeginOfSequenceId is int bos) ids.Add(bos);
        else if (options.PrependBos)
            ids.Add(TextGenerator.BosTokenOf(Tokenizer) ?? throw new ArgumentException("bos: the tokenizer has no beginning-of-sequence token (<s> or <|begin_of_text|>)."));
        ids.AddRange(Tokenizer.Encode(prompt ?? ""));
        if (ids.Count == 0)
        {
            if (StopTokenOf(options) is int eot) ids.Add(eot);
            else if (TextGenerator.BosTokenOf(Tokenizer) is int b) ids.Add(b);
            else throw new ArgumentException("prompt: empty, and the tokenizer has no <|endoftext|> or <s> token to start from.");
        }
        return [.. ids];
    }

    /// <summary>Streams the assistant's answer to a conversation (the template's end-of-turn strings stop it).</summary>
    public IAsyncEnumerable<CompletionDelta> StreamChatAsync(IReadOnlyList<Chat.ChatMessage> messages, GenerationOptions options, int? topLogprobs = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = EncodeChat(messages, options);
        return StreamAsync(ids, options with { StopSequences = [.. options.StopSequences, .. Template.StopStrings] }, topLogprobs, cancellation);
    }

    /// <summary>
    /// Streams the continuation of <paramref name="promptIds"/>. With <paramref name="topLogprobs"/>
    /// (0–20) every token's log-probability and that many alternatives come with the text. The last
    /// piece carries the <see cref="CompletionResult"/>.
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt leaves no room in the context window (thrown before any slot is taken).</exception>
    /// <exception cref="EngineBusyException">Every slot is busy and the wait queue is full.</exception>
    public IAsyncEnumerable<CompletionDelta> StreamAsync(int[] promptIds, GenerationOptions options, int? topLogprobs = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (topLogprobs is < 0 or > DecodeRequest.MaxTopLogprobs)
            throw new ArgumentOutOfRangeException(nameof(topLogprobs), $"top logprobs must be in 0..{DecodeRequest.MaxTopLogprobs}, got {topLogprobs}.");
        if (promptIds.Length >= ContextLength) throw new PromptTooLongException(promptIds.Length, ContextLength);
        var request = new DecodeRequest
        {
            PromptIds = promptIds, Sampling = options.Sampling, MaxTokens = options.MaxTokens, StopToken = StopTokenOf(options),
            Logprobs = topLogprobs is not null, TopLogprobs = topLogprobs ?? 0,
        }.Validate(_engine.VocabSize);
        return Run(request, options.StopSequences, cancellation);
    }

    /// <summary>Generates the whole answer to a conversation: its text, logprobs and result.</summary>
    public async Task<(string Text, IReadOnlyList<GeneratedTokenLogprobs> Logprobs, CompletionResult Result)> CompleteChatAsync(
        IReadOnlyList<Chat.ChatMessage> messages, GenerationOptions options, int? topLogprobs = null, CancellationToken cancellation = default) =>
        await Collect(StreamChatAsync(messages, options, topLogprobs, cancellation));

    /// <summary>Collects a stream into its whole text, every token's logprobs and the result.</summary>
    public static async Task<(string Text, IReadOnlyList<GeneratedTokenLogprobs> Logprobs, CompletionResult Result)> Collect(IAsyncEnumerable<CompletionDelta> stream)
    {
        var text = new StringBuilder();
        var logprobs = new List<GeneratedTokenLogprobs>();
        CompletionResult? result = null;
        await foreach (var d in stream)
        {
            text.Append(d.Text);
            logprobs.AddRange(d.Logprobs);
            result ??= d.Result;
        }
        return (text.ToString(), logprobs, result!);
    }

    /// <summary>The token's exact bytes (byte-level tokenizers), else the UTF-8 of its decoded text.</summary>
    public byte[] TokenBytes(int id) => Tokenizer switch
    {
        BpeTokenizer bpe => bpe.TokenBytes(id),
        Llama2cTokenizer l2c => l2c.TokenBytes(id),
        _ => Encoding.UTF8.GetBytes(Tokenizer.Decode([id])),
    };

    private async IAsyncEnumerable<CompletionDelta> Run(DecodeRequest request, IReadOnlyList<string> stops, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? firstToken = null;
        var text = new TextStream(Tokenizer, stops);
        var pending = new List<GeneratedTokenLogprobs>();
        var finish = FinishReason.Cancelled;
        int completion = 0;
        await foreach (var token in _engine.GenerateAsync(request, cancellation))
        {
            firstToken ??= clock.Elapsed;
            if (token.Finish == FinishReason.StopToken) { finish = FinishReason.StopToken; break; }
            completion++;
            if (request.Logprobs) pending.Add(Describe(token));
            string piece = text.Push(token.Id);
            if (piece.Length > 0) { yield return new CompletionDelta(piece, pending, null); pending = []; }
            if (text.Stopped) { finish = FinishReason.StopSequence; break; } // leaving the loop frees the slot
            if (token.Finish is { } f) { finish = f; break; }
        }
        string rest = text.Finish();
        if (rest.Length > 0 || (pending.Count > 0 && finish != FinishReason.StopSequence)) yield return new CompletionDelta(rest, pending, null);
        var elapsed = clock.Elapsed;
        yield return new CompletionDelta("", [], new CompletionResult(request.PromptIds.Length, completion, finish, firstToken ?? elapsed, elapsed));
    }

    private GeneratedTokenLogprobs Describe(DecodedToken token) =>
        new(Describe(token.Id, token.Logprob), [.. token.Top.Select(t => Describe(t.Id, t.Logprob))]);

    private TokenLogprob Describe(int id, float logprob)
    {
        var bytes = TokenBytes(id);
        return new TokenLogprob(id, Encoding.UTF8.GetString(bytes), bytes, logprob);
    }

    private int? StopTokenOf(GenerationOptions o) =>
        o.IgnoreStopToken ? null : o.StopToken ?? EndOfSequenceId ?? (Tokenizer.SpecialTokens.TryGetValue("<|endoftext|>", out int eot) ? eot : null);

    /// <summary>Disposes the engine.</summary>
    public void Dispose() => _engine.Dispose();
}
