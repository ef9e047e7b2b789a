using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Threading.Channels;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.Gateway.WebSockets.KeepAlive;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// One device's socket. A receive loop handles the client's frames in arrival order; a send
/// loop first replays what the device missed (then <c>sync_done</c>), then drains a bounded
/// queue of live events. A device that stops reading fills the queue and is disconnected.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification =
    "The semaphore never hands out its wait handle and the stop source's timer ends when RunAsync cancels it; " +
    "disposing them would turn a late Close or event from another thread into ObjectDisposedException.")]
public sealed partial class ClientConnection
{
    public const int ReplacedCloseCode = 4001;
    public const int TokenExpiredCloseCode = 4401;

    private readonly WebSocket _socket;
    private readonly IGrainFactory _grains;
    private readonly EventFanout _fanout;
    private readonly FrameHandler _handler;
    private readonly MediaLinks _media;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Outbound> _outbound;
    // Written by the send loop and the odd join or leave: one lock and a small table, grown with
    // the user's chats, not the default 31 buckets per socket.
    private readonly ConcurrentDictionary<string, ChatCursor> _chats = new(concurrencyLevel: 1, capacity: 7, StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly DeliveredAckBatcher _acks;
    private SendPipeline<FrameHandler.QueuedSend>? _sends;
    private int _closeRequested;
    private bool _sawOwnSession;

    public ClientConnection(
        WebSocket socket,
        string userId,
        string deviceId,
        DateTimeOffset tokenExpiresAt,
        IGrainFactory grains,
        EventFanout fanout,
        FrameHandler handler,
        DeliveredAckBatcher acks,
        MediaLinks media,
        string origin,
        GatewayOptions options,
        TimeProvider time,
        ChatMetrics metrics,
        ILogger logger)
    {
        _socket = socket;
        UserId = userId;
        DeviceId = deviceId;
        DeviceKey = ChatIds.DeviceKey(userId, deviceId);
        TokenExpiresAt = tokenExpiresAt;
        SessionId = "s_" + Guid.NewGuid().ToString("N");
        _grains = grains;
        _fanout = fanout;
        _handler = handler;
        _media = media;
        Origin = origin;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Device = grains.GetGrain<IDeviceGrain>(DeviceKey);
        User = grains.GetGrain<IUserGrain>(userId);
        Sessions = grains.GetGrain<IUserSessionsGrain>(userId);
        _acks = acks;
        _outbound = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(options.SendQueueFrames)
        {
            // The send loop reads; a closing connection also empties it (DropQueued).
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string UserId { get; }

    public string DeviceId { get; }

    public string DeviceKey { get; }

    public string SessionId { get; }

    /// <summary>This device's grain, made once per connection.</summary>
    public IDeviceGrain Device { get; }

    /// <summary>This user's grain, made once per connection.</summary>
    public IUserGrain User { get; }

    /// <summary>This user's connected sessions across the cluster, made once per connection.</summary>
    public IUserSessionsGrain Sessions { get; }

    public DateTimeOffset TokenExpiresAt { get; }

    /// <summary>The socket's stream, through which the gateway's keep-alives go; null where the runtime sends its own.</summary>
    internal KeepAliveStream? KeepAlive { get; init; }

    public GatewayOptions Options => _options;

    /// <summary>The scheme and host the device connected to: local media URLs start with it.</summary>
    public string Origin { get; }

    /// <summary>
    /// This connection's sends on their way to the chats; made at the first send, so a connection
    /// that only listens holds none. Used by the receive loop alone.
    /// </summary>
    internal SendPipeline<FrameHandler.QueuedSend> Sends => _sends ??= new(
        _options.MaxSendsInFlight,
        (chatId, sends) => _handler.DeliverSendsAsync(this, chatId, sends),
        exception => _handler.LogUnexpected(this, exception));

    /// <summary>Completes once every send this connection handed over is answered.</summary>
    internal Task SendsAnswered() => _sends?.AllAnswered() ?? Task.CompletedTask;

    /// <summary>Sends a frame directly, in the order of the calls (answers to the client's requests).</summary>
    public void Reply(byte[] payload) => Enqueue(new Outbound.Frame(payload));

    /// <summary>
    /// An unconfirmed <c>delivered</c> for a seq this socket has sent: batched with the gateway's
    /// others on the way to storage. False when the chat's own check is needed (a chat this socket
    /// does not follow, or a seq above what it sent).
    /// </summary>
    internal bool TryNoteDelivered(string chatId, long seq)
    {
        if (!_chats.TryGetValue(chatId, out var cursor) || seq > cursor.LastSent)
        {
            return false;
        }

        _acks.Note(DeviceKey, chatId, seq);
        return true;
    }

    /// <summary>Asks the connection to close with a protocol close code (4001 replaced, 4401 token expired).</summary>
    public void RequestClose(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            _ = CloseAndStopAsync((WebSocketCloseStatus)code, reason);
        }
    }

    /// <summary>Drops the socket without a closing handshake.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closeRequested, 1);
        _outbound.Writer.TryComplete();
        _stop.Cancel();
        _socket.Abort();
        DropQueued();
    }

    internal void OnUserEvent(UserEvent userEvent)
    {
        switch (userEvent)
        {
            case ReadStateEvent read:
                Enqueue(new Outbound.Frame(ServerFrames.ReadState(read.State)));
                break;
            case ChatJoinedEvent joined:
                _ = JoinChatAsync(joined.Chat);
                break;
            case ChatLeftEvent left:
                LeaveChat(left.ChatId, ServerFrames.MemberRemoved(left.ChatId, UserId));
                break;
            case DeviceSessionStartedEvent started when started.DeviceId == DeviceId:
                // Events of one stream arrive in order: one for an older session comes before ours.
                if (started.SessionId == SessionId)
                {
                    _sawOwnSession = true;
                }
                else if (_sawOwnSession)
                {
                    RequestClose(ReplacedCloseCode, "replaced by a newer connection of this device");
                }

                break;
            case SessionEvictedEvent evicted when evicted.DeviceId == DeviceId && evicted.SessionId == SessionId:
                RequestClose(ReplacedCloseCode, "closed: too many devices of this user are connected");
                break;
        }
    }

    /// <summary>
    /// The user left or was removed: nothing more of the chat reaches this socket. Both the
    /// chat's stream (ordered with its messages) and the user's stream announce it; the first
    /// one to arrive acts and sends <c>member_removed</c>, the second finds nothing to do.
    /// </summary>
    internal void LeaveChat(string chatId, byte[] memberRemovedFrame)
    {
        if (_chats.TryRemove(chatId, out _))
        {
            _fanout.ReleaseChat(chatId, this);
            Enqueue(new Outbound.Frame(memberRemovedFrame));
        }
    }

    private async Task JoinChatAsync(ChatView chat)
    {
        var chatId = chat.Chat.ChatId;
        _chats.TryAdd(chatId, new ChatCursor(chat.Chat.LastSeq));
        Enqueue(new Outbound.Frame(ServerFrames.ChatCreated(chat)));
        try
        {
            await _fanout.AcquireChat(chatId, this);
            // Messages posted between the join and the subscription are fetched from the log.
            Enqueue(new Outbound.CatchUp(chatId));
        }
        catch (Exception ex)
        {
            LogConnectionFailed(DeviceKey, ex);
            Abort();
        }
    }

    private async Task AcquireChats(IEnumerable<string> chatIds, List<string> joined)
    {
        foreach (var chunk in chatIds.Chunk(64))
        {
            await Task.WhenAll(chunk.Select(id => _fanout.AcquireChat(id, this)));
            joined.AddRange(chunk);
        }
    }

    private async Task CloseAndStopAsync(WebSocketCloseStatus status, string reason)
    {
        // The send loop ends; the receive loop ends when the peer answers the close frame.
        // What is still queued would only be replayed after the reconnect: it goes now.
        _outbound.Writer.TryComplete();
        DropQueued();
        await CloseSocketAsync(status, reason);
        _stop.CancelAfter(_options.CloseTimeout);
    }

    private async Task CloseSocketAsync(WebSocketCloseStatus status, string reason)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        try
        {
            await _sendLock.WaitAsync(timeout.Token);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(status, reason, timeout.Token);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception)
        {
            // A peer that does not read its close frame in time is dropped.
            _socket.Abort();
        }
    }

    /// <summary>
    /// Stays registered until its acks are in the DeviceGrain: a reconnect of the same device on
    /// this gateway finds it as the connection it replaces and waits for them before its replay.
    /// </summary>
    private async Task DisconnectDeviceAsync(ConnectionRegistry registry)
    {
        try
        {
            await _acks.FlushAsync().WaitAsync(_options.CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            registry.Unregister(this);
            await Task.WhenAll(Device.Disconnect(SessionId), Sessions.Disconnect(DeviceId, SessionId));
        }
        catch (Exception ex)
        {
            LogDisconnectFailed(DeviceKey, ex);
        }
    }

    /// <summary>
    /// Writes one frame. The write keeps the token: a write to a peer that stopped reading waits
    /// in the transport, and only a cancelled token ends it.
    /// </summary>
    private async ValueTask SendAsync(byte[] payload, CancellationToken token)
    {
        await _sendLock.WaitAsync(token);
        try
        {
            await _socket.SendAsync(payload.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, token);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
