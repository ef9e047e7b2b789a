using System.Net;

namespace ChatOrleans.Client;

/// <summary>The WebSocket could not be opened, e.g. the server refused the upgrade with 401 or 400.</summary>
public sealed class ChatConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP status of the refused upgrade, or <c>null</c> when there was no HTTP answer.</param>
    /// <param name="innerException">What the WebSocket reported.</param>
    public ChatConnectException(HttpStatusCode? statusCode, Exception innerException)
        : base(statusCode is { } s
            ? $"The server refused the WebSocket upgrade with HTTP {(int)s} ({s})."
            : $"Could not open the WebSocket: {innerException.Message}", innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the refused upgrade (401 bad token, 400 bad device id), or <c>null</c>.</summary>
    public HttpStatusCode? StatusCode { get; }
}
