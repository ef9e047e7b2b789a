using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults;
using Orleans.Streams;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// This gateway's subscriptions to chat and user streams, shared by its sockets: one
/// subscription per chat or user with a device here, dropped when the last such device leaves.
/// Each event is serialised once and queued on every interested socket.
/// </summary>
public sealed partial class EventFanout(IClusterClient client, MediaLinks media, ChatMetrics metrics, TimeProvider time, ILogger<EventFanout> logger)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Subscription<ChatEvent>> _chats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription<UserEvent>> _users = new(StringComparer.Ordinal);

    public Task AcquireChat(string chatId, ClientConnection connection) =>
        Acquire(_chats, StreamNames.ChatNamespace, chatId, connection, DispatchChatEvent);

    public void ReleaseChat(string chatId, ClientConnection connection) => Release(_chats, chatId, connection);

    public Task AcquireUser(string userId, ClientConnection connection) =>
        Acquire(_users, StreamNames.UserNamespace, userId, connection, DispatchUserEvent);

    public void ReleaseUser(string userId, ClientConnection connection) => Release(_users, userId, connection);

    private async Task Acquire<T>(
        Dictionary<string, Subscription<T>> subscriptions,
        string streamNamespace,
        string key,
        ClientConnection connection,
        Func<T, ClientConnection[], ValueTask> dispatch)
    {
        Subscription<T> subscription;
        lock (_gate)
        {
            if (!subscriptions.TryGetValue(key, out subscription!))
            {
                subscription = new Subscription<T>(dispatch);
                subscriptions[key] = subscription;
                var stream = client.GetStreamProvider(StreamNames.Provider).GetStream<T>(StreamId.Create(streamNamespace, key));
                subscription.Handle = stream.SubscribeAsync(subscription);
            }

            subscription.Add(connection);
        }

        try
        {
            await subscription.Handle;
        }
        catch
        {
            lock (_gate)
            {
                if (subscriptions.TryGetValue(key, out var current) && current == subscription)
                {
                    subscriptions.Remove(key);
                }
            }

            throw;
        }
    }

    private void Release<T>(Dictionary<string, Subscription<T>> subscriptions, string key, ClientConnection connection)
    {
        Subscription<T>? emptied = null;
        lock (_gate)
        {
            if (subscriptions.TryGetValue(key, out var subscription) && subscription.Remove(connection) && subscription.IsEmpty)
            {
                subscriptions.Remove(key);
                emptied = subscription;
            }
        }

        if (emptied is not null)
        {
            _ = Unsubscribe(key, emptied);
        }
    }

    private async Task Unsubscribe<T>(string key, Subscription<T> subscription)
    {
        try
        {
            var handle = await subscription.Handle;
            await handle.UnsubscribeAsync();
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(key, ex);
        }
    }

    private ValueTask DispatchChatEvent(ChatEvent chatEvent, ClientConnection[] connections)
    {
        if (chatEvent is MessagesPosted { Messages: [var oldest, ..] })
        {
            metrics.StreamReceived(oldest.CreatedAt, time.GetUtcNow());
        }

        switch (chatEvent)
        {
            case MessagesPosted posted when posted.Messages.Any(m => m.MediaIds.Count > 0):
                return DispatchWithMedia(posted, connections);
            case MessagesPosted posted:
                foreach (var message in posted.Messages)
                {
                    var item = new Outbound.NewMessage(message.ChatId, message.Seq, message.CreatedAt, ServerFrames.NewMessage(MessageDto.From(message, [])));
                    foreach (var connection in connections)
                    {
                        connection.Enqueue(item);
                    }
                }

                BroadcastSenderReads(posted, connections);
                break;
            case MessageDeletedEvent deleted:
                var deletion = new Outbound.MessageDeleted(deleted.ChatId, deleted.Seq, ServerFrames.MessageDeleted(deleted.ChatId, deleted.MessageId, deleted.Seq));
                foreach (var connection in connections)
                {
                    connection.Enqueue(deletion);
                }

                break;
            case TypingEvent typing:
                Broadcast(connections, typing.ChatId, ServerFrames.Typing(typing.ChatId, typing.UserId, typing.Started), skipUser: typing.UserId);
                break;
            case ReceiptEvent receipt:
                Broadcast(connections, receipt.ChatId, ServerFrames.Receipt(receipt.ChatId, receipt.UserId, receipt.LastReadSeq), skipUser: receipt.UserId);
                break;
            case MemberAddedEvent added:
                // The added user hears chat_created on their own stream instead.
                Broadcast(connections, added.ChatId, ServerFrames.MemberAdded(added.ChatId, added.UserId), skipUser: added.UserId);
                break;
            case MemberRemovedEvent removed:
                var frame = ServerFrames.MemberRemoved(removed.ChatId, removed.UserId);
                Broadcast(connections, removed.ChatId, frame, skipUser: removed.UserId);
                foreach (var connection in connections)
                {
                    if (connection.UserId == removed.UserId)
                    {
                        connection.LeaveChat(removed.ChatId, frame);
                    }
                }

                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The senders' read positions moved with their sends: receipts to the other members.</summary>
    private static void BroadcastSenderReads(MessagesPosted posted, ClientConnection[] connections)
    {
        foreach (var read in posted.SenderReads)
        {
            Broadcast(connections, posted.ChatId, ServerFrames.Receipt(posted.ChatId, read.UserId, read.LastReadSeq), skipUser: read.UserId);
        }
    }

    /// <summary>
    /// Messages with media: their URLs are signed once per event. Local-store URLs start with the
    /// address a device connected to, so the frame is built once per address (in practice one).
    /// Awaited in the stream's delivery, which keeps the chat's events in order.
    /// </summary>
    private async ValueTask DispatchWithMedia(MessagesPosted posted, ClientConnection[] connections)
    {
        var byOrigin = media.UsesOrigin
            ? connections.GroupBy(c => c.Origin, StringComparer.Ordinal).Select(g => (Origin: g.Key, Connections: g.ToArray())).ToList()
            : [(Origin: connections[0].Origin, Connections: connections)];
        var frames = new List<(Outbound.NewMessage[] Items, ClientConnection[] Connections)>(byOrigin.Count);
        try
        {
            foreach (var (origin, group) in byOrigin)
            {
                var rendered = await media.MessagesAsync(posted.Messages, origin);
                frames.Add((rendered.Select(m => new Outbound.NewMessage(m.ChatId, m.Seq, m.CreatedAt, ServerFrames.NewMessage(m))).ToArray(), group));
            }
        }
        catch (Exception ex)
        {
            // The media could not be looked up: each socket fetches the messages from the log
            // instead, rendering them as it sends them.
            LogMediaLookupFailed(posted.ChatId, ex);
            var catchUp = new Outbound.CatchUp(posted.ChatId);
            foreach (var connection in connections)
            {
                connection.Enqueue(catchUp);
            }

            BroadcastSenderReads(posted, connections);
            return;
        }

        foreach (var (items, group) in frames)
        {
            foreach (var item in items)
            {
                foreach (var connection in group)
                {
                    connection.Enqueue(item);
                }
            }
        }

        BroadcastSenderReads(posted, connections);
    }

    private ValueTask DispatchUserEvent(UserEvent userEvent, ClientConnection[] connections)
    {
        foreach (var connection in connections)
        {
            connection.OnUserEvent(userEvent);
        }

        return ValueTask.CompletedTask;
    }

    private static void Broadcast(ClientConnection[] connections, string chatId, byte[] payload, string? skipUser)
    {
        var item = new Outbound.ChatFrame(chatId, payload);
        foreach (var connection in connections)
        {
            if (connection.UserId != skipUser)
            {
                connection.Enqueue(item);
            }
        }
    }

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "Looking up the media of new messages in chat {ChatId} failed; sockets fetch them from the log")]
    private partial void LogMediaLookupFailed(string chatId, Exception exception);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Dropping the subscription to {Key} failed")]
    private partial void LogUnsubscribeFailed(string key, Exception exception);

    /// <summary>
    /// One stream subscription and the sockets it feeds. Adds and removes are O(1); dispatch
    /// reads a snapshot array rebuilt only after a change, so a big channel's fan-out allocates nothing.
    /// </summary>
    private sealed class Subscription<T>(Func<T, ClientConnection[], ValueTask> dispatch) : IAsyncObserver<T>
    {
        private readonly HashSet<ClientConnection> _connections = [];
        private ClientConnection[]? _snapshot;

        public Task<StreamSubscriptionHandle<T>> Handle { get; set; } = null!;

        public bool IsEmpty
        {
            get
            {
                lock (_connections)
                {
                    return _connections.Count == 0;
                }
            }
        }

        public void Add(ClientConnection connection)
        {
            lock (_connections)
            {
                if (_connections.Add(connection))
                {
                    _snapshot = null;
                }
            }
        }

        public bool Remove(ClientConnection connection)
        {
            lock (_connections)
            {
                if (!_connections.Remove(connection))
                {
                    return false;
                }

                _snapshot = null;
                return true;
            }
        }

        public Task OnNextAsync(T item, StreamSequenceToken? token = null)
        {
            ClientConnection[] connections;
            lock (_connections)
            {
                connections = _snapshot ??= [.. _connections];
            }

            return connections.Length > 0 ? dispatch(item, connections).AsTask() : Task.CompletedTask;
        }

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
