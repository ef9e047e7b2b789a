using System.Net.WebSockets;

namespace ChatOrleans.Client;

/// <summary>The connection ended (server close, abort, network failure) before the operation could finish.</summary>
public sealed class ChatConnectionClosedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="closeStatus">The close code the server sent, if any.</param>
    /// <param name="closeStatusDescription">The close reason the server sent, if any.</param>
    /// <param name="innerException">The failure that ended the connection, if any.</param>
    public ChatConnectionClosedException(WebSocketCloseStatus? closeStatus, string? closeStatusDescription, Exception? innerException = null)
        : base(closeStatus is { } s
            ? $"The connection is closed (close code {(int)s} '{closeStatusDescription}')."
            : innerException is null ? "The connection is closed." : $"The connection is closed: {innerException.Message}", innerException)
    {
        CloseStatus = closeStatus;
        CloseStatusDescription = closeStatusDescription;
    }

    /// <summary>The close code the server sent (e.g. 4001, 4401), or <c>null</c>.</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>The close reason the server sent, or <c>null</c>.</summary>
    public string? CloseStatusDescription { get; }
}
