using ChatOrleans.Gateway.Protocol;
using Orleans.Streams;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// This gateway's subscriptions to chat and user streams, shared by its sockets: one
/// subscription per chat or user with a device here, dropped when the last such device leaves.
/// Each event is serialised once and queued on every interested socket.
/// </summary>
public sealed partial class EventFanout(IClusterClient client, ILogger<EventFanout> logger)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Subscription<ChatEvent>> _chats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription<UserEvent>> _users = new(StringComparer.Ordinal);

    public int ChatSubscriptions
    {
        get
        {
            lock (_gate)
            {
                return _chats.Count;
            }
        }
    }

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
        Action<T, ClientConnection[]> dispatch)
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

    private void DispatchChatEvent(ChatEvent chatEvent, ClientConnection[] connections)
    {
        switch (chatEvent)
        {
            case MessagesPosted posted:
                foreach (var message in posted.Messages)
                {
                    var item = new Outbound.NewMessage(message.ChatId, message.Seq, ServerFrames.NewMessage(message));
                    foreach (var connection in connections)
                    {
                        connection.Enqueue(item);
                    }
                }

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
    }

    private void DispatchUserEvent(UserEvent userEvent, ClientConnection[] connections)
    {
        foreach (var connection in connections)
        {
            connection.OnUserEvent(userEvent);
        }
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

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Dropping the subscription to {Key} failed")]
    private partial void LogUnsubscribeFailed(string key, Exception exception);

    /// <summary>
    /// One stream subscription and the sockets it feeds. Adds and removes are O(1); dispatch
    /// reads a snapshot array rebuilt only after a change, so a big channel's fan-out allocates nothing.
    /// </summary>
    private sealed class Subscription<T>(Action<T, ClientConnection[]> dispatch) : IAsyncObserver<T>
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

            if (connections.Length > 0)
            {
                dispatch(item, connections);
            }

            return Task.CompletedTask;
        }

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
