using System.Buffers;
using System.Net.WebSockets;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>The receive loop: one frame at a time, in arrival order, each within the frame limit.</summary>
public sealed partial class ClientConnection
{
    private const int InitialReceiveBuffer = 4 * 1024;

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        try
        {
            await ReceiveFramesAsync(token);
        }
        catch (WebSocketException ex)
        {
            NoteProtocolError(ex);
            throw;
        }
    }

    private async Task ReceiveFramesAsync(CancellationToken token)
    {
        var limit = _options.MaxFrameBytes;
        while (!token.IsCancellationRequested)
        {
            // A zero-byte read waits for data without holding a buffer: idle sockets cost no buffer.
            var probe = await _socket.ReceiveAsync(Memory<byte>.Empty, token);
            if (probe.MessageType == WebSocketMessageType.Close)
            {
                await CloseSocketAsync(WebSocketCloseStatus.NormalClosure, "bye");
                return;
            }

            var message = await ReadMessageAsync(limit, token);
            try
            {
                if (message.Closed)
                {
                    await CloseSocketAsync(WebSocketCloseStatus.NormalClosure, "bye");
                    return;
                }

                if (message.TooLarge)
                {
                    Reply(ServerFrames.Error(null, ErrorCodes.TooLarge, $"A frame may hold at most {limit} bytes."));
                }
                else if (message.Type == WebSocketMessageType.Binary)
                {
                    Reply(ServerFrames.Error(null, ErrorCodes.BadRequest, "Frames are JSON text, not binary."));
                }
                else
                {
                    await _handler.HandleAsync(this, message.Buffer.AsMemory(0, message.Length));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message.Buffer);
            }
        }
    }

    /// <summary>
    /// Reads one whole message into a rented buffer that grows up to the limit; past the limit
    /// the rest of the message is read and discarded so the connection stays usable. A
    /// <see cref="ValueTask{TResult}"/>: after the zero-byte probe the message is usually there
    /// already, and a task per frame would be the receive path's largest allocation.
    /// </summary>
    private async ValueTask<ReceivedMessage> ReadMessageAsync(int limit, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialReceiveBuffer, limit + 1));
        var length = 0;
        var tooLarge = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > limit)
                    {
                        tooLarge = true;
                        length = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(length), token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new ReceivedMessage(buffer, 0, result.MessageType, TooLarge: false, Closed: true);
                }

                length += result.Count;
                tooLarge |= length > limit;
                if (result.EndOfMessage)
                {
                    return new ReceivedMessage(buffer, length, result.MessageType, tooLarge, Closed: false);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type, bool TooLarge, bool Closed);
}
