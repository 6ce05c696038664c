using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Server;

/// <summary>
/// Runs chat completions on the one loaded model: renders the messages with the model's chat
/// template, checks the prompt fits the context window, and streams the generated text. The
/// generator has a single KV cache, so requests are served one at a time (a semaphore); a
/// continuous-batching decoder with one cache slot per request is later work.
/// </summary>
public sealed class ChatCompletionService(TextGenerator generator, ChatTemplate template, string modelName)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The model id this service answers to.</summary>
    public string ModelName { get; } = modelName;

    /// <summary>The chat template prompts are rendered with.</summary>
    public ChatTemplate Template { get; } = template;

    /// <summary>The context window in tokens.</summary>
    public int ContextLength => generator.Generator.Config.BlockSize;

    /// <summary>
    /// Streams the assistant's answer to <paramref name="request"/>, holding the model for the whole
    /// stream; <paramref name="onDone"/> receives the counts and finish reason when it ends.
    /// </summary>
    /// <exception cref="ApiException">404 for another model; 400 when the messages cannot be rendered or the prompt does not fit.</exception>
    public async IAsyncEnumerable<string> StreamAsync(ChatCompletionRequest request, Action<GenerationStats> onDone,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        if (request.Model != ModelName)
            throw new ApiException(404, $"The model '{request.Model}' does not exist; this server serves '{ModelName}'.", param: "model", code: "model_not_found");
        string prompt;
        try { prompt = Template.Render(request.Messages, addGenerationPrompt: true); }
        catch (ArgumentException e) { throw ApiException.BadParam("messages", e.Message); }
        var options = request.Options with { StopSequences = [.. request.Options.StopSequences, .. Template.StopStrings] };

        await _gate.WaitAsync(cancellation);
        try
        {
            int promptTokens;
            try { promptTokens = generator.Tokenizer.Encode(prompt).Length + (generator.BeginOfSequenceId is null ? 0 : 1); }
            catch (ArgumentException e) { throw ApiException.BadParam("messages", $"The rendered prompt cannot be tokenized by this model's tokenizer: {e.Message}"); }
            if (promptTokens >= ContextLength)
                throw new ApiException(400, $"The prompt is {promptTokens} tokens; this model's context window is {ContextLength} tokens (leave room for at least one new token).",
                    param: "messages", code: "context_length_exceeded");
            await foreach (var piece in generator.StreamAsync(prompt, options, cancellation))
                yield return piece;
            onDone(generator.LastStats!);
        }
        finally { _gate.Release(); }
    }
}
