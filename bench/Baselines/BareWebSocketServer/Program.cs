using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

// The floor for the chat gateway on this runtime: a minimal ASP.NET Core WebSocket broadcast. A text frame from any
// client is copied once and queued on every connected socket; each socket has a bounded queue and a send loop, as
// the gateway's sockets do, and nothing else (no auth, no parsing, no storage).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
var hub = new Broadcaster();

app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
app.MapGet("/healthz", () => Results.Ok(new { status = "ok", connections = hub.Count }));
app.Map("/ws", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
    await hub.RunAsync(socket);
});
app.Run();

internal sealed class Broadcaster
{
    private static readonly byte[] Ready = "ready"u8.ToArray();
    private readonly HashSet<Peer> _peers = [];
    private Peer[]? _snapshot;

    public int Count
    {
        get
        {
            lock (_peers)
            {
                return _peers.Count;
            }
        }
    }

    public async Task RunAsync(WebSocket socket)
    {
        var peer = new Peer(socket);
        lock (_peers)
        {
            _peers.Add(peer);
            _snapshot = null;
        }

        try
        {
            peer.Enqueue(Ready);
            Task sending = peer.SendLoopAsync();
            await ReceiveLoopAsync(socket);
            peer.Complete();
            await sending;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_peers)
            {
                _peers.Remove(peer);
                _snapshot = null;
            }

            peer.Complete();
        }
    }

    private async Task ReceiveLoopAsync(WebSocket socket)
    {
        while (true)
        {
            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                int count = 0;
                while (!result.EndOfMessage)
                {
                    if (count == buffer.Length)
                    {
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                }

                // Serialised once: every socket gets the same array.
                Broadcast(buffer.AsSpan(0, count).ToArray());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Broadcast(byte[] payload)
    {
        Peer[] peers;
        lock (_peers)
        {
            peers = _snapshot ??= [.. _peers];
        }

        foreach (Peer peer in peers)
        {
            peer.Enqueue(payload);
        }
    }

    private sealed class Peer(WebSocket socket)
    {
        private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(2_048) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public void Enqueue(byte[] payload)
        {
            if (!_queue.Writer.TryWrite(payload))
            {
                // A client that stopped reading is dropped, as the gateway does.
                socket.Abort();
            }
        }

        public void Complete() => _queue.Writer.TryComplete();

        public async Task SendLoopAsync()
        {
            try
            {
                await foreach (byte[] payload in _queue.Reader.ReadAllAsync())
                {
                    await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                socket.Abort();
            }
        }
    }
}
