using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections.Features;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// A frame that breaks the WebSocket protocol, above all a text frame that is not UTF-8: the
/// WebSocket layer itself answers it with a close frame (1007, or 1002 for a malformed frame) and
/// gives up the socket. Dropping the TCP connection right then, while the client is still writing
/// (the rest of a large frame, the frames behind it), resets it, and the client loses the close
/// frame and its code. So the connection is held a little longer, reading and discarding what
/// the client still sends, until it closes its side or <see cref="GatewayOptions.CloseTimeout"/> passes.
/// </summary>
public sealed partial class ClientConnection
{
    // The request's HttpContext flows with the connection's task (AddHttpContextAccessor is registered).
    private static readonly HttpContextAccessor Requests = new();
    private const long MaxLingerBytes = 16 * 1024 * 1024;

    private Socket? _transport;
    private int _protocolError;

    /// <summary>The TCP socket under the WebSocket, when the server exposes it (Kestrel does).</summary>
    private void CaptureTransport() =>
        _transport = Requests.HttpContext?.Features.Get<IConnectionSocketFeature>()?.Socket;

    /// <summary>The WebSocket layer failed the connection for a protocol error and sent its close frame.</summary>
    private void NoteProtocolError(WebSocketException exception)
    {
        if (exception.WebSocketErrorCode == WebSocketError.Faulted)
        {
            Interlocked.Exchange(ref _protocolError, 1);
        }
    }

    private async Task LingerAfterProtocolErrorAsync()
    {
        if (Volatile.Read(ref _protocolError) == 0 || _transport is not { } socket)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var timeout = new CancellationTokenSource(_options.CloseTimeout);
            long drained = 0;
            while (drained < MaxLingerBytes)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                drained += read;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went, or took too long: the socket is dropped as it is.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
