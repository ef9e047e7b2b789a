using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace ChatOrleans.Client;

/// <summary>
/// One WebSocket session of one device. A single receive loop parses every frame into a <see cref="ServerEvent"/>,
/// records it in <see cref="Received"/>, publishes it on <see cref="Events"/> and completes the request it answers.
/// Requests (see <c>ChatConnection.Requests.cs</c>) are sent one at a time, in call order.
/// </summary>
/// <remarks>
/// Per connection there is no thread and no timer: the loop waits with a zero-byte read and rents its buffer from
/// <see cref="ArrayPool{T}.Shared"/> only while a message is arriving.
/// </remarks>
public sealed partial class ChatConnection : IAsyncDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<string, TaskCompletionSource<ServerEvent>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<ServerEvent> _events = Channel.CreateUnbounded<ServerEvent>(
        new UnboundedChannelOptions { SingleWriter = true, SingleReader = false });
    private readonly List<ServerEvent>? _received;
    private readonly List<ServerEvent> _skipped = [];
    private readonly SemaphoreSlim _waitLock = new(1, 1);
    private readonly TaskCompletionSource<WelcomeEvent> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SyncDoneEvent> _syncDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _publishEvents;
    private readonly Action<ServerEvent>? _onEvent;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _defaultWaitTimeout;
    private readonly TimeSpan _closeTimeout;
    private readonly int _maxReceiveMessageBytes;
    private readonly Task _receiveLoop;
    private long _lastRequestId;
    private readonly AutoDeliveredAcks _autoAcks;
    private volatile bool _autoDelivered;
    private volatile bool _receiveEnded;
    private WelcomeEvent? _welcomeEvent;

    private ChatConnection(WebSocket socket, ChatConnectionOptions options)
    {
        _socket = socket;
        _received = options.RecordReceived ? [] : null;
        _publishEvents = options.PublishEvents;
        _onEvent = options.OnEvent;
        _autoDelivered = options.AutoDelivered;
        _autoAcks = new AutoDeliveredAcks((chatId, seq) => SendDeliveredAsync(chatId, seq), options.AutoDeliveredDelay);
        _requestTimeout = options.RequestTimeout;
        _defaultWaitTimeout = options.DefaultWaitTimeout;
        _closeTimeout = options.CloseTimeout;
        _maxReceiveMessageBytes = Math.Max(options.MaxReceiveMessageBytes, ReceiveBufferSize);
        _receiveLoop = ReceiveLoopAsync();
    }

    /// <summary>
    /// Every server event in arrival order, acks, pongs and errors included. Shared with <see cref="WaitForAsync{T}"/>:
    /// an event read here is not seen by a later wait, and the other way round.
    /// </summary>
    public ChannelReader<ServerEvent> Events => _events.Reader;

    /// <summary>A snapshot of every server event received on this connection, in arrival order (empty when <see cref="ChatConnectionOptions.RecordReceived"/> is off).</summary>
    public IReadOnlyList<ServerEvent> Received
    {
        get
        {
            if (_received is null)
            {
                return [];
            }

            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The <c>welcome</c> frame; <see cref="ConnectAsync(Uri, string?, string?, CancellationToken)"/> returns only after it arrived.</summary>
    public WelcomeEvent Welcome => _welcomeEvent ?? throw new InvalidOperationException("No welcome has arrived yet.");

    /// <summary>The user this connection is authenticated as (from <c>welcome</c>).</summary>
    public string UserId => Welcome.UserId;

    /// <summary>The device id (from <c>welcome</c>).</summary>
    public string DeviceId => Welcome.DeviceId;

    /// <summary>The server's session id (from <c>welcome</c>).</summary>
    public string SessionId => Welcome.SessionId;

    /// <summary>Completes when <c>sync_done</c> arrives; faults with <see cref="ChatConnectionClosedException"/> if the connection ends first.</summary>
    public Task<SyncDoneEvent> SyncDone => _syncDone.Task;

    /// <summary>Completes (never faults) when the receive loop has ended: server close, <see cref="CloseAsync"/>, <see cref="Abort"/> or failure.</summary>
    public Task Closed => _receiveLoop;

    /// <summary>Whether the receive loop has ended.</summary>
    public bool IsClosed => _receiveEnded;

    /// <summary>The close code the server sent (e.g. <see cref="ChatCloseCodes.Replaced"/>), once <see cref="Closed"/> completed; <c>null</c> after an abort.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    /// <summary>The close reason the server sent, once <see cref="Closed"/> completed.</summary>
    public string? CloseStatusDescription { get; private set; }

    /// <summary>The exception that ended the receive loop, if it did not end with a close frame.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Send <c>delivered</c> (without <c>req_id</c>) for the <c>new_message</c> events received from now on: the highest
    /// seq per chat, after <see cref="ChatConnectionOptions.AutoDeliveredDelay"/>.
    /// </summary>
    public bool AutoDelivered
    {
        get => _autoDelivered;
        set => _autoDelivered = value;
    }

    /// <summary>Opens a session with default options and waits for <c>welcome</c>.</summary>
    /// <param name="baseUri">The server's root (<c>http(s)://</c> or <c>ws(s)://</c>); the socket goes to <c>/ws</c> under it.</param>
    /// <param name="accessToken">The bearer token, sent in <c>Authorization</c>; <c>null</c> leaves it out (to test refusals).</param>
    /// <param name="deviceId">The device id; <c>null</c> leaves <c>device_id</c> out (to test refusals).</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open connection, with <see cref="Welcome"/> set.</returns>
    /// <exception cref="ChatConnectException">The upgrade was refused; <see cref="ChatConnectException.StatusCode"/> says how.</exception>
    /// <exception cref="ChatConnectionClosedException">The server closed the socket before <c>welcome</c>.</exception>
    /// <exception cref="TimeoutException">No <c>welcome</c> within <see cref="ChatConnectionOptions.ConnectTimeout"/>.</exception>
    public static Task<ChatConnection> ConnectAsync(Uri baseUri, string? accessToken, string? deviceId, CancellationToken cancellationToken = default) =>
        ConnectAsync(baseUri, accessToken, deviceId, options: null, cancellationToken);

    /// <summary>Opens a session and waits for <c>welcome</c>.</summary>
    /// <param name="baseUri">The server's root (<c>http(s)://</c> or <c>ws(s)://</c>); the socket goes to <c>/ws</c> under it.</param>
    /// <param name="accessToken">The bearer token; <c>null</c> leaves it out (to test refusals).</param>
    /// <param name="deviceId">The device id; <c>null</c> leaves <c>device_id</c> out (to test refusals).</param>
    /// <param name="options">Settings; <c>null</c> for the defaults.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open connection, with <see cref="Welcome"/> set.</returns>
    /// <exception cref="ChatConnectException">The upgrade was refused; <see cref="ChatConnectException.StatusCode"/> says how.</exception>
    /// <exception cref="ChatConnectionClosedException">The server closed the socket before <c>welcome</c>.</exception>
    /// <exception cref="TimeoutException">No <c>welcome</c> within <see cref="ChatConnectionOptions.ConnectTimeout"/>.</exception>
    public static async Task<ChatConnection> ConnectAsync(
        Uri baseUri, string? accessToken, string? deviceId, ChatConnectionOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        options ??= new ChatConnectionOptions();
        bool tokenInHeader = options.SendTokenInHeader && options.WebSocketFactory is null;
        Uri uri = BuildWebSocketUri(baseUri, tokenInHeader ? null : accessToken, deviceId);
        WebSocket socket = await OpenAsync(uri, accessToken, options, cancellationToken).ConfigureAwait(false);
        var connection = new ChatConnection(socket, options);
        try
        {
            await connection._welcome.Task.WaitAsync(options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The WebSocket URI for a server root: <c>ws(s)://host/…/ws?access_token=…&amp;device_id=…</c>.</summary>
    /// <param name="baseUri">The server's root.</param>
    /// <param name="accessToken">The token, or <c>null</c> to leave it out.</param>
    /// <param name="deviceId">The device id, or <c>null</c> to leave it out.</param>
    /// <returns>The URI.</returns>
    public static Uri BuildWebSocketUri(Uri baseUri, string? accessToken, string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        var builder = new UriBuilder(new Uri(ChatApiClient.EnsureTrailingSlash(baseUri), "ws"))
        {
            Scheme = baseUri.Scheme switch
            {
                "https" or "wss" => "wss",
                "http" or "ws" => "ws",
                _ => throw new ArgumentException($"Unsupported scheme '{baseUri.Scheme}'.", nameof(baseUri)),
            },
        };
        var query = new StringBuilder();
        if (accessToken is not null)
        {
            query.Append("access_token=").Append(Uri.EscapeDataString(accessToken));
        }

        if (deviceId is not null)
        {
            query.Append(query.Length > 0 ? "&" : "").Append("device_id=").Append(Uri.EscapeDataString(deviceId));
        }

        builder.Query = query.ToString();
        return builder.Uri;
    }

    /// <summary>
    /// Waits for the first event of type <typeparamref name="T"/> matching <paramref name="predicate"/> that no earlier
    /// wait returned. Events read past while waiting are kept, in order, for later waits; <see cref="Received"/> has them all.
    /// </summary>
    /// <typeparam name="T">The event type, e.g. <see cref="NewMessageEvent"/>; <see cref="ServerEvent"/> for any.</typeparam>
    /// <param name="predicate">Which event; <c>null</c> for the first of the type.</param>
    /// <param name="timeout">How long to wait; <c>null</c> for <see cref="ChatConnectionOptions.DefaultWaitTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching event.</returns>
    /// <exception cref="TimeoutException">Nothing matched in time.</exception>
    /// <exception cref="ChatConnectionClosedException">The connection ended and nothing matched.</exception>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : ServerEvent
    {
        TimeSpan wait = timeout ?? _defaultWaitTimeout;
        (T? match, bool closed) = await WaitCoreAsync(predicate, wait, cancellationToken).ConfigureAwait(false);
        if (match is not null)
        {
            return match;
        }

        string seen = string.Join(", ", Received.Select(Describe));
        if (closed)
        {
            throw new ChatConnectionClosedException(
                CloseStatus, CloseStatusDescription,
                new InvalidOperationException($"Connection ended while waiting for {typeof(T).Name}. Received: [{seen}]"));
        }

        throw new TimeoutException($"No matching {typeof(T).Name} within {wait}. Received on {DescribeConnection()}: [{seen}]");
    }

    /// <summary>Like <see cref="WaitForAsync{T}"/> but returns <c>null</c> on timeout or close, for checks that something does not arrive.</summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="predicate">Which event; <c>null</c> for the first of the type.</param>
    /// <param name="timeout">How long to wait; <c>null</c> for <see cref="ChatConnectionOptions.DefaultWaitTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching event, or <c>null</c>.</returns>
    public async Task<T?> TryWaitForAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : ServerEvent =>
        (await WaitCoreAsync(predicate, timeout ?? _defaultWaitTimeout, cancellationToken).ConfigureAwait(false)).Match;

    /// <summary>The recorded events of one type, in arrival order.</summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<T> ReceivedOf<T>()
        where T : ServerEvent => [.. Received.OfType<T>()];

    /// <summary>
    /// Closes gracefully: sends a close frame, waits for the server's (up to <see cref="ChatConnectionOptions.CloseTimeout"/>),
    /// then aborts if it did not come.
    /// </summary>
    /// <param name="status">The close code to send.</param>
    /// <param name="description">The close reason to send.</param>
    /// <param name="cancellationToken">Cancels waiting to send the close frame.</param>
    /// <returns>A task that completes when the connection has ended.</returns>
    public async Task CloseAsync(
        WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null, CancellationToken cancellationToken = default)
    {
        // Held automatic acks go before the close frame, so the next connection is not replayed them.
        await _autoAcks.FlushAsync().ConfigureAwait(false);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(status, description, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closing or gone: the receive loop ends on its own.
        }
        finally
        {
            _sendLock.Release();
        }

        try
        {
            await _receiveLoop.WaitAsync(_closeTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
            await _receiveLoop.ConfigureAwait(false);
        }
    }

    /// <summary>Drops the socket without a close handshake, as a crashed client would.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Aborts the connection (no close handshake) and waits for the receive loop to end.</summary>
    /// <returns>A task that completes when the loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        Abort();
        await _receiveLoop.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override string ToString() => DescribeConnection();

    private static async Task<WebSocket> OpenAsync(Uri uri, string? accessToken, ChatConnectionOptions options, CancellationToken cancellationToken)
    {
        if (options.WebSocketFactory is { } factory)
        {
            return await factory(uri, cancellationToken).ConfigureAwait(false);
        }

        var socket = new ClientWebSocket();
        try
        {
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.KeepAliveInterval = options.KeepAliveInterval;
            if (options.SendTokenInHeader && accessToken is not null)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + accessToken);
            }

            options.ConfigureWebSocket?.Invoke(socket.Options);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(uri, options.HttpInvoker, timeout.Token).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            System.Net.HttpStatusCode status = socket.HttpStatusCode;
            socket.Dispose();
            throw new ChatConnectException(status == 0 ? null : status, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // Only needed on refusal; drop the headers rather than keep them for the connection's lifetime.
        socket.HttpResponseHeaders = null;
        return socket;
    }

    private static string Describe(ServerEvent e) => e switch
    {
        NewMessageEvent n => $"new_message({n.Message.ChatId}#{n.Message.Seq})",
        AckEvent a => $"ack({a.ReqId})",
        ErrorEvent er => $"error({er.ReqId},{er.Code})",
        UnknownEvent u => $"unknown({u.Type})",
        _ => e.ToString(),
    };

    private string DescribeConnection() =>
        _welcomeEvent is { } w ? $"connection {w.UserId}/{w.DeviceId} ({w.SessionId})" : "connection (before welcome)";

    private async Task<(T? Match, bool Closed)> WaitCoreAsync<T>(Func<T, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken)
        where T : ServerEvent
    {
        await _waitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int i = 0; i < _skipped.Count; i++)
            {
                if (_skipped[i] is T candidate && (predicate is null || predicate(candidate)))
                {
                    _skipped.RemoveAt(i);
                    return (candidate, false);
                }
            }

            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            while (true)
            {
                ServerEvent next;
                try
                {
                    next = await _events.Reader.ReadAsync(timeoutSource.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return (null, false);
                }
                catch (ChannelClosedException)
                {
                    return (null, true);
                }

                if (next is T candidate && (predicate is null || predicate(candidate)))
                {
                    return (candidate, false);
                }

                _skipped.Add(next);
            }
        }
        finally
        {
            _waitLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // Leave the constructor (and any synchronization context) before the first frame is handled.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        try
        {
            while (true)
            {
                // A zero-byte read waits for the next frame without holding a buffer.
                ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await AnswerCloseAsync().ConfigureAwait(false);
                    return;
                }

                byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
                int count = 0;
                try
                {
                    while (!result.EndOfMessage)
                    {
                        if (count == buffer.Length)
                        {
                            buffer = Grow(buffer, count);
                        }

                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await AnswerCloseAsync().ConfigureAwait(false);
                            return;
                        }

                        count += result.Count;
                    }

                    Dispatch(buffer.AsMemory(0, count), result.MessageType);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex)
        {
            // Abort, network failure, or a server message over the limit: the connection is over either way.
            Failure = ex;
            _socket.Abort();
        }
        finally
        {
            Shutdown();
        }
    }

    private byte[] Grow(byte[] buffer, int count)
    {
        if (buffer.Length >= _maxReceiveMessageBytes)
        {
            throw new InvalidDataException($"A server message exceeded {_maxReceiveMessageBytes} bytes.");
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxReceiveMessageBytes));
        buffer.AsSpan(0, count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private async Task AnswerCloseAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                // Complete the handshake, echoing the server's code as RFC 6455 suggests.
                await _socket.CloseOutputAsync(
                    _socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, _socket.CloseStatusDescription, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer may already be gone; the close code we got is what matters.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Shutdown()
    {
        CloseStatus = _socket.CloseStatus;
        CloseStatusDescription = _socket.CloseStatusDescription;
        _receiveEnded = true;

        var closed = new ChatConnectionClosedException(CloseStatus, CloseStatusDescription, Failure);
        TaskCompletionSource<ServerEvent>[] pending;
        lock (_pending)
        {
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (TaskCompletionSource<ServerEvent> request in pending)
        {
            request.TrySetException(closed);
        }

        // Nobody may be awaiting these: mark the exceptions observed.
        if (_welcome.TrySetException(closed))
        {
            _ = _welcome.Task.Exception;
        }

        if (_syncDone.TrySetException(closed))
        {
            _ = _syncDone.Task.Exception;
        }

        _events.Writer.TryComplete();
        _socket.Dispose();
    }

    private void Dispatch(ReadOnlyMemory<byte> frame, WebSocketMessageType messageType)
    {
        ServerEvent e = messageType == WebSocketMessageType.Binary
            ? new MalformedFrameEvent(Convert.ToBase64String(frame.Span), "binary frame", null)
            : ServerEventParser.Parse(frame);

        _onEvent?.Invoke(e);

        if (_received is not null)
        {
            lock (_received)
            {
                _received.Add(e);
            }
        }

        if (_publishEvents)
        {
            _events.Writer.TryWrite(e);
        }

        switch (e)
        {
            case WelcomeEvent welcome:
                _welcomeEvent ??= welcome;
                _welcome.TrySetResult(welcome);
                break;
            case SyncDoneEvent syncDone:
                _syncDone.TrySetResult(syncDone);
                break;
            case NewMessageEvent newMessage when _autoDelivered:
                _autoAcks.Note(newMessage.Message.ChatId, newMessage.Message.Seq);
                break;
            case AckEvent { ReqId: { } reqId } ack:
                Complete(reqId, ack, null);
                break;
            case PongEvent { ReqId: { } reqId } pong:
                Complete(reqId, pong, null);
                break;
            case ErrorEvent { ReqId: { } reqId } error:
                Complete(reqId, null, new ChatRequestException(error));
                break;
            case MalformedFrameEvent { ReqId: { } reqId } malformed:
                Complete(reqId, null, new InvalidDataException($"Unreadable answer to {reqId}: {malformed.Reason}: {malformed.Text}"));
                break;
        }
    }

    private void Complete(string reqId, ServerEvent? answer, Exception? failure)
    {
        TaskCompletionSource<ServerEvent>? request;
        lock (_pending)
        {
            _pending.Remove(reqId, out request);
        }

        if (request is null)
        {
            return;
        }

        if (failure is null)
        {
            request.TrySetResult(answer!);
        }
        else
        {
            request.TrySetException(failure);
        }
    }
}
