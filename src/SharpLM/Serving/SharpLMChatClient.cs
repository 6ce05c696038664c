using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using SharpLM.Chat;
using SharpLM.Generation;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using LmChatMessage = SharpLM.Chat.ChatMessage;

namespace SharpLM.Serving;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over a SharpLM decoder: the conversation is
/// rendered with the model's chat template and answered by a <see cref="LanguageModelService"/>
/// (the same service the HTTP server runs on). <see cref="ChatOptions"/> map onto the sampler —
/// temperature, top-p, top-k, max output tokens, stop sequences, seed, presence and frequency
/// penalties (<c>min_p</c> and <c>repetition_penalty</c> through <see cref="ChatOptions.AdditionalProperties"/>).
/// Thread-safe: concurrent calls each get a slot of the engine (or wait for one).
/// Each streamed update's <see cref="ChatResponseUpdate.RawRepresentation"/> is the service's
/// <see cref="CompletionDelta"/>.
/// </summary>
public sealed class SharpLMChatClient : IChatClient
{
    private readonly bool _ownsService;

    /// <summary>A chat client over an existing service (not disposed with the client).</summary>
    public SharpLMChatClient(LanguageModelService service)
    {
        Service = service ?? throw new ArgumentNullException(nameof(service));
        Metadata = new ChatClientMetadata("sharplm", null, service.ModelName);
    }

    /// <summary>A chat client over <paramref name="generator"/>'s model with <paramref name="template"/>, in <paramref name="parallel"/> slots sharing its weights.</summary>
    public SharpLMChatClient(TextGenerator generator, ChatTemplate template, string modelName = "sharplm", int parallel = 1)
        : this(LanguageModelService.Create(generator, template, modelName, parallel)) => _ownsService = true;

    /// <summary>The service that generates the answers.</summary>
    public LanguageModelService Service { get; }

    /// <summary>Provider "sharplm" and the model's id.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Most new tokens when <see cref="ChatOptions.MaxOutputTokens"/> is not set.</summary>
    public int DefaultMaxOutputTokens { get; init; } = 256;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (conversation, generation) = Prepare(messages, options);
        var (text, _, result) = await LanguageModelService.Collect(Service.StreamChatAsync(conversation, generation, null, cancellationToken));
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text))
        {
            ResponseId = NewId(), ModelId = Service.ModelName, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(result), Usage = Usage(result),
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (conversation, generation) = Prepare(messages, options);
        string id = NewId(), messageId = NewId();
        var created = DateTimeOffset.UtcNow;
        await foreach (var delta in Service.StreamChatAsync(conversation, generation, null, cancellationToken))
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, delta.Text)
            {
                ResponseId = id, MessageId = messageId, ModelId = Service.ModelName, CreatedAt = created, RawRepresentation = delta,
            };
            if (delta.Result is { } r)
            {
                update.Contents = [new UsageContent(Usage(r))];
                update.FinishReason = Finish(r);
            }
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(Service)) return Service;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the service when this client created it.</summary>
    public void Dispose()
    {
        if (_ownsService) Service.Dispose();
    }

    /// <summary>Maps M.E.AI messages to chat-template turns and <see cref="ChatOptions"/> to generation options.</summary>
    /// <exception cref="ArgumentException">A role or content kind the model cannot take, another model's id, or an option out of range.</exception>
    internal (IReadOnlyList<LmChatMessage> Messages, GenerationOptions Options) Prepare(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<LmChatMessage>();
        int i = 0;
        foreach (var m in messages)
        {
            string role = m.Role == ChatRole.System ? LmChatMessage.System
                : m.Role == ChatRole.User ? LmChatMessage.User
                : m.Role == ChatRole.Assistant ? LmChatMessage.Assistant
                : throw new ArgumentException($"message {i}: role '{m.Role}' is not supported (system, user, assistant).", nameof(messages));
            if (m.Contents.FirstOrDefault(c => c is not TextContent) is { } other)
                throw new ArgumentException($"message {i}: only text content is supported, got {other.GetType().Name}.", nameof(messages));
            turns.Add(new LmChatMessage(role, m.Text));
            i++;
        }
        if (turns.Count == 0) throw new ArgumentException("the conversation has no messages.", nameof(messages));
        return (turns, Options(options));
    }

    private GenerationOptions Options(ChatOptions? o)
    {
        if (o is null) return new GenerationOptions { MaxTokens = DefaultMaxOutputTokens };
        if (o.ModelId is { } model && model != Service.ModelName)
            throw new ArgumentException($"ChatOptions.ModelId '{model}' is not this client's model '{Service.ModelName}'.");
        var sampling = new SamplerOptions
        {
            Temperature = o.Temperature ?? 1f,
            TopP = o.TopP ?? 1f,
            TopK = o.TopK ?? 0,
            MinP = Extra(o, "min_p") ?? 0f,
            RepetitionPenalty = Extra(o, "repetition_penalty") ?? 1f,
            PresencePenalty = o.PresencePenalty ?? 0f,
            FrequencyPenalty = o.FrequencyPenalty ?? 0f,
        };
        if (o.Seed is long seed) sampling = sampling with { Seed = unchecked((ulong)seed) };
        return new GenerationOptions
        {
            MaxTokens = o.MaxOutputTokens ?? DefaultMaxOutputTokens,
            Sampling = sampling,
            StopSequences = o.StopSequences is { } stops ? [.. stops] : [],
        }.Validate();
    }

    private static float? Extra(ChatOptions o, string name) =>
        o.AdditionalProperties is { } extra && extra.TryGetValue(name, out float value) ? value : null;

    private static ChatFinishReason Finish(CompletionResult r) => r.Stopped ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(CompletionResult r) => new() { InputTokenCount = r.PromptTokens, OutputTokenCount = r.CompletionTokens, TotalTokenCount = r.TotalTokens };

    private static string NewId() => "sharplm-" + Guid.NewGuid().ToString("N");
}
