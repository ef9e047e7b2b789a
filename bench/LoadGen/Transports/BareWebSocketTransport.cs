using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;
using ChatOrleans.LoadGen.Infrastructure;

namespace ChatOrleans.LoadGen.Transports;

/// <summary>
/// Baseline: the bare ASP.NET Core WebSocket broadcast server (bench/Baselines/BareWebSocketServer). Every text frame
/// a client sends goes to every connected socket, so only a topology of one chat with everyone in it fits. It has no
/// acknowledgement: a send completes when the frame is written.
/// </summary>
public sealed class BareWebSocketTransport(Uri baseUri, LoopbackSources sources) : IBenchTransport
{
    private Device?[] _devices = [];

    public string Name => "bare-websocket";

    public bool HasAcks => false;

    public TextReceived? OnText { get; set; }

    public Task<IReadOnlyDictionary<string, double>> PrepareAsync(Topology topology, CancellationToken cancellationToken)
    {
        if (topology.Chats.Count != 1 || topology.Chats[0].Members.Length != topology.Users)
        {
            throw new NotSupportedException("The bare broadcast server has one audience: a topology of one chat with every user.");
        }

        _devices = new Device?[topology.Devices];
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>());
    }

    public async Task<int> ConnectAllAsync(int concurrency, CancellationToken cancellationToken)
    {
        var uri = new Uri(new UriBuilder(baseUri) { Scheme = "ws" }.Uri, "ws");
        int connected = 0;
        await Retry.ForEachAsync(
            Enumerable.Range(0, _devices.Length), concurrency,
            async (d, ct) =>
            {
                WebSocket socket = await Retry.RunAsync(c => sources.ConnectWebSocketAsync(uri, c), ct).ConfigureAwait(false);
                var device = new Device(d, socket, this);
                _devices[d] = device;
                device.Start();
                Interlocked.Increment(ref connected);
            },
            cancellationToken).ConfigureAwait(false);

        // The server sends one "ready" frame after registering a socket: wait for all, so no broadcast misses one.
        await Task.WhenAll(_devices.OfType<Device>().Select(d => d.Ready)).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        return connected;
    }

    public Task SendAsync(int device, int chat, string clientMsgId, string text, CancellationToken cancellationToken)
    {
        Device target = _devices[device] ?? throw new InvalidOperationException($"Device {device} is not connected.");
        return target.SendAsync(text, cancellationToken);
    }

    public async Task DisconnectAllAsync()
    {
        Device?[] devices = _devices;
        _devices = new Device?[devices.Length];
        await Task.WhenAll(devices.OfType<Device>().Select(d => d.StopAsync())).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await DisconnectAllAsync().ConfigureAwait(false);

    [SuppressMessage("Reliability", "CA1001", Justification = "The semaphore never hands out its wait handle, so it holds nothing to release.")]
    private sealed class Device(int index, WebSocket socket, BareWebSocketTransport owner)
    {
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _loop = Task.CompletedTask;

        public Task Ready => _ready.Task;

        public void Start() => _loop = ReceiveAsync();

        public async Task SendAsync(string text, CancellationToken cancellationToken)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        public async Task StopAsync()
        {
            socket.Abort();
            await _loop.ConfigureAwait(false);
            socket.Dispose();
        }

        private async Task ReceiveAsync()
        {
            await Task.Yield();
            try
            {
                while (true)
                {
                    // A zero-byte read waits without holding a buffer, as the client library does.
                    ValueWebSocketReceiveResult result = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
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

                            result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                            count += result.Count;
                        }

                        long now = BenchClock.Now;
                        string text = Encoding.UTF8.GetString(buffer, 0, count);
                        if (text == "ready")
                        {
                            _ready.TrySetResult();
                        }
                        else
                        {
                            owner.OnText?.Invoke(index, text, now);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
            finally
            {
                _ready.TrySetException(new WebSocketException("closed before ready"));
            }
        }
    }
}
