namespace SharpLM.Server;

/// <summary>
/// A request the server refuses, carried to the response as an OpenAI error object
/// (<c>{"error": {"message", "type", "param", "code"}}</c>) with its HTTP status.
/// </summary>
public sealed class ApiException(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
    : Exception(message)
{
    /// <summary>The HTTP status code (400, 401, 404, ...).</summary>
    public int Status { get; } = status;

    /// <summary>OpenAI's error <c>type</c>, e.g. <c>invalid_request_error</c>.</summary>
    public string Type { get; } = type;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable code such as <c>model_not_found</c>, or null.</summary>
    public string? Code { get; } = code;

    /// <summary>A 400 for a bad field.</summary>
    public static ApiException BadParam(string param, string message, string? code = null) => new(400, message, param: param, code: code ?? "invalid_value");

    /// <summary>The body of the error response.</summary>
    public object Body => new { error = new { message = Message, type = Type, param = Param, code = Code } };
}
