using System.Net.WebSockets;
using System.Text.Json;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// A bare protocol socket that stamps every frame with the wall clock the moment its last byte
/// is read, before it is parsed: the client's side of a latency comparison, with as little of
/// the client's own work inside it as the machine allows.
/// </summary>
public sealed class StampingSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly List<(DateTimeOffset At, JsonElement Frame)> _frames = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private TaskCompletionSource _arrived = NewSignal();

    private StampingSocket(ClientWebSocket socket)
    {
        _socket = socket;

        // Its own thread: the stamp is not delayed by a busy thread pool.
        _reader = Task.Factory.StartNew(ReadAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public static async Task<StampingSocket> ConnectAsync(Uri baseUri, string token, string deviceId)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var uri = new UriBuilder(baseUri) { Scheme = baseUri.Scheme == "https" ? "wss" : "ws", Path = "ws", Query = "device_id=" + deviceId }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);
        return new StampingSocket(socket);
    }

    public Task SendAsync(object frame) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Waits until <paramref name="count"/> frames of <paramref name="type"/> that <paramref name="match"/> accepts have arrived; returns them with their stamps.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset At, JsonElement Frame)>> WaitForAsync(string type, int count, Func<JsonElement, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + EndToEnd.Proto.Timeout;
        while (true)
        {
            Task arrived;
            lock (_frames)
            {
                var found = _frames.Where(f => f.Frame.GetProperty("type").GetString() == type && (match is null || match(f.Frame))).ToList();
                if (found.Count >= count)
                {
                    return found;
                }

                arrived = _arrived.Task;
                if (_reader.IsCompleted || DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{found.Count} of {count} {type} frames arrived.");
                }
            }

            await Task.WhenAny(arrived, Task.Delay(TimeSpan.FromSeconds(1)));
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var at = DateTimeOffset.UtcNow;
                var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                TaskCompletionSource arrived;
                lock (_frames)
                {
                    _frames.Add((at, frame));
                    arrived = _arrived;
                    _arrived = NewSignal();
                }

                arrived.TrySetResult();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed: a test still waiting times out with what arrived.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        _socket.Dispose();
        _stop.Dispose();
    }
}
