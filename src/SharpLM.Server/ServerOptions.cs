namespace SharpLM.Server;

/// <summary>How the OpenAI-compatible server listens, which model it serves under which name, and how much it takes on at once.</summary>
public sealed record ServerOptions
{
    /// <summary>The model id clients put in <c>model</c> (and <c>/v1/models</c> lists).</summary>
    public required string ModelName { get; init; }

    /// <summary>The address to bind (loopback by default: exposing a model is a deliberate choice).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port (0 lets the OS pick one, as the tests do).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every <c>/v1/*</c> request must carry <c>Authorization: Bearer</c> this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sequences decoded at once (slots, each with its own KV cache).</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Requests that may wait for a slot when all are busy; one more gets a 429.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Largest request body accepted, in bytes; a larger one gets a 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;
}
