using System.Net;

namespace ChatOrleans.Client;

/// <summary>An HTTP API call answered with a non-success status.</summary>
public sealed class ChatApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="code">The protocol error code from <c>{"error":{"code"}}</c>, if the body had one.</param>
    /// <param name="serverMessage">The server's message, or the raw body when it was not a protocol error.</param>
    /// <param name="retryAfterMs">For <c>rate_limited</c>: <c>retry_after_ms</c> or the <c>Retry-After</c> header.</param>
    /// <param name="responseBody">The raw response body.</param>
    public ChatApiException(HttpStatusCode statusCode, string? code, string serverMessage, long? retryAfterMs = null, string? responseBody = null)
        : base($"HTTP {(int)statusCode} {code ?? "(no code)"}: {serverMessage}")
    {
        StatusCode = statusCode;
        Code = code;
        ServerMessage = serverMessage;
        RetryAfterMs = retryAfterMs;
        ResponseBody = responseBody;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The protocol error code (see <see cref="ErrorCodes"/>), or <c>null</c> when the body had none.</summary>
    public string? Code { get; }

    /// <summary>The server's <c>message</c>.</summary>
    public string ServerMessage { get; }

    /// <summary>For <c>rate_limited</c>: how long to wait, in milliseconds.</summary>
    public long? RetryAfterMs { get; }

    /// <summary>The raw response body.</summary>
    public string? ResponseBody { get; }
}
