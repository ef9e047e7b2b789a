using System.Net.WebSockets;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// A connection's life in its phases: connect (subscribe, then start the device's session), run
/// the send and receive loops until either side closes, then release everything it held.
/// </summary>
public sealed partial class ClientConnection
{
    /// <summary>Runs the connection until either side closes it.</summary>
    public async Task RunAsync(ConnectionRegistry registry, CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _stop.Token);
        var token = linked.Token;
        CaptureTransport();
        var replaced = registry.Register(this);
        replaced?.RequestClose(ReplacedCloseCode, "replaced by a newer connection of this device");
        var joined = new List<string>();
        try
        {
            // No local or loop holds the session: what the replay needs is let go once it is sent.
            await RunLoopsAsync(WelcomeAndReplayAsync(await ConnectAsync(replaced is not null, joined, token), token), token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        catch (Exception ex)
        {
            LogConnectionFailed(DeviceKey, ex);
            await CloseSocketAsync(WebSocketCloseStatus.InternalServerError, "server error");
        }
        finally
        {
            await EndAsync(registry, joined);
        }
    }

    /// <summary>
    /// Subscribes to the user's and its chats' events (each chat subscribed is added to
    /// <paramref name="joined"/>), then starts the device's session, whose positions the send loop
    /// replays from.
    /// </summary>
    private async Task<DeviceSession> ConnectAsync(
        bool replacing, List<string> joined, CancellationToken token)
    {
        if (replacing)
        {
            // Its last acks must be stored before this session reads the positions.
            await _acks.FlushAsync().WaitAsync(_options.CloseTimeout, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _fanout.AcquireUser(UserId, this);
        var entries = await User.GetChatEntries();
        await AcquireChats(entries.Select(e => e.ChatId), joined);

        // Over the user's device limit, the least recently active other session (on whatever
        // gateway) is told to close; this one is now the most recently active. It runs
        // beside the device's own connect, so a connection waits for neither twice.
        var counted = Sessions.Connect(DeviceId, SessionId, _options.MaxDevicesPerUser);
        var session = await Device.Connect(SessionId);
        await counted;
        foreach (var (chatId, position) in session.Positions)
        {
            _chats.TryAdd(chatId, new ChatCursor(position));
        }

        // Chats joined between the two reads above are subscribed now; chat_created covers later ones.
        await AcquireChats(session.Positions.Keys.Except(joined).ToList(), joined);
        return session;
    }

    /// <summary>
    /// Runs the send loop (after <paramref name="replay"/>) and the receive loop until one ends,
    /// then stops the other. The token's expiry is the <see cref="ConnectionSweeper"/>'s to watch.
    /// </summary>
    private async Task RunLoopsAsync(Task replay, CancellationToken token)
    {
        var send = SendLoopAsync(replay, token);
        var receive = ReceiveLoopAsync(token);
        var first = await Task.WhenAny(send, receive);
        if (first == send && Volatile.Read(ref _closeRequested) == 1)
        {
            // Our close frame is out: let the peer answer it, so the close code arrives
            // intact instead of being lost to a reset.
            await receive.WaitAsync(_options.CloseTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stop.CancelAsync();
        await Task.WhenAll(send, receive).WaitAsync(_options.CloseTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Releases what the connection holds (subscriptions, queue, socket, session), however it ended.</summary>
    private async Task EndAsync(ConnectionRegistry registry, List<string> joined)
    {
        // From here on a late event for this socket is dropped quietly, not taken for a slow reader.
        Interlocked.Exchange(ref _closeRequested, 1);
        _outbound.Writer.TryComplete();
        DropQueued();
        _fanout.ReleaseUser(UserId, this);
        foreach (var chatId in _chats.Keys.Concat(joined).Distinct())
        {
            _fanout.ReleaseChat(chatId, this);
        }

        _ = DisconnectDeviceAsync(registry);
        await LingerAfterProtocolErrorAsync();
        _socket.Abort();
        _socket.Dispose();
        registry.NoteEnded(this);
    }
}
