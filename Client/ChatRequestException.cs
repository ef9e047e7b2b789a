namespace ChatOrleans.Client;

/// <summary>A WebSocket request was answered with an <c>error</c> frame.</summary>
public sealed class ChatRequestException : Exception
{
    /// <summary>Creates the exception from the server's <c>error</c> frame.</summary>
    /// <param name="error">The error frame.</param>
    public ChatRequestException(ErrorEvent error)
        : base($"{error.Code}: {error.Message}")
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>The error frame.</summary>
    public ErrorEvent Error { get; }

    /// <summary>The protocol error code; see <see cref="ErrorCodes"/>.</summary>
    public string Code => Error.Code;

    /// <summary>The server's message.</summary>
    public string ServerMessage => Error.Message;

    /// <summary>The request's id.</summary>
    public string? ReqId => Error.ReqId;

    /// <summary>For <c>rate_limited</c>: how long to wait, in milliseconds.</summary>
    public long? RetryAfterMs => Error.RetryAfterMs;
}
