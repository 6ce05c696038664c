namespace SharpLM.Server;

/// <summary>How the OpenAI-compatible server listens and which model it serves under which name.</summary>
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
}
