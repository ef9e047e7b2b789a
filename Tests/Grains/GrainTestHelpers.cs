using Orleans.Streams;

namespace ChatOrleans.Tests.Grains;

/// <summary>A user created for one test: its id and its (unique, lower-case) username.</summary>
public sealed record TestUser(string Id, string Username);

/// <summary>Fresh users, groups and messages for grain tests on the shared cluster.</summary>
public static class GrainTestHelpers
{
    /// <summary>How long a test waits for anything asynchronous (a stream event) before failing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A unique username with a readable prefix: usernames are global in the shared cluster.</summary>
    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)].ToLowerInvariant();

    /// <summary>Claims a fresh username and initializes the user, as registration does.</summary>
    public static async Task<TestUser> CreateUser(this IGrainFactory grains, string prefix = "user")
    {
        var userId = ChatIds.NewUserId();
        var username = UniqueName(prefix);
        var claimed = await grains.GetGrain<IUsernameGrain>(username).Claim(new AccountCredentials(userId, "test-hash"));
        Assert.True(claimed, $"The fresh username {username} was already taken.");
        await grains.GetGrain<IUserGrain>(userId).Initialize(username, username);
        return new TestUser(userId, username);
    }

    public static async Task<TestUser[]> CreateUsers(this IGrainFactory grains, int count, string prefix = "user")
    {
        var users = new TestUser[count];
        for (var i = 0; i < count; i++)
        {
            users[i] = await grains.CreateUser($"{prefix}{i}");
        }

        return users;
    }

    /// <summary>A new group owned by <paramref name="owner"/> with the given members (in that order).</summary>
    public static async Task<(IChatGrain Chat, ChatInfo Info)> CreateGroup(
        this IGrainFactory grains, TestUser owner, params TestUser[] members)
    {
        var chatId = ChatIds.NewGroupId();
        var chat = grains.GetGrain<IChatGrain>(chatId);
        var info = await chat.CreateGroup(owner.Id, "group " + chatId[..8], members.Select(m => m.Id).ToList());
        return (chat, info);
    }

    public static async Task<(IChatGrain Chat, ChatInfo Info)> CreateDirect(this IGrainFactory grains, TestUser a, TestUser b)
    {
        var chat = grains.GetGrain<IChatGrain>(ChatIds.DirectChatId(a.Id, b.Id));
        var result = await chat.EnsureDirect(a.Id, b.Id);
        return (chat, result.Chat);
    }

    public static SendMessageCommand Command(
        TestUser sender, string? text = "hello", string? clientMsgId = null, string? parentMessageId = null, string device = "phone") =>
        new(sender.Id, device, clientMsgId ?? Guid.NewGuid().ToString("N"), text, [], parentMessageId);

    public static Task<ChatMessage> Send(
        this IChatGrain chat, TestUser sender, string? text = "hello", string? clientMsgId = null, string? parentMessageId = null) =>
        chat.Send(Command(sender, text, clientMsgId, parentMessageId));

    /// <summary>Sends <paramref name="count"/> messages one after the other.</summary>
    public static async Task<List<ChatMessage>> SendMany(this IChatGrain chat, TestUser sender, int count)
    {
        var sent = new List<ChatMessage>(count);
        for (var i = 0; i < count; i++)
        {
            sent.Add(await chat.Send(sender, $"message {i + 1}"));
        }

        return sent;
    }

    public static Task<IReadOnlyList<ChatMessage>> History(
        this IChatGrain chat, TestUser requester, long? beforeSeq = null, long? afterSeq = null, int? limit = null) =>
        chat.GetHistory(requester.Id, HistoryQuery.Create(beforeSeq, afterSeq, limit));

    public static long[] Seqs(this IEnumerable<ChatMessage> messages) => messages.Select(m => m.Seq).ToArray();

    public static long[] Range(long from, long to) => Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i).ToArray();

    /// <summary>Asserts that <paramref name="action"/> fails with a <see cref="ChatException"/> of this code.</summary>
    public static async Task<ChatException> AssertChatError(string code, Func<Task> action)
    {
        var exception = await Assert.ThrowsAsync<ChatException>(action);
        Assert.Equal(code, exception.Code);
        return exception;
    }

    public static Task<StreamProbe<ChatEvent>> SubscribeChat(this IClusterClient client, string chatId) =>
        Subscribe<ChatEvent>(client, StreamNames.ChatNamespace, chatId);

    public static Task<StreamProbe<UserEvent>> SubscribeUser(this IClusterClient client, string userId) =>
        Subscribe<UserEvent>(client, StreamNames.UserNamespace, userId);

    private static async Task<StreamProbe<T>> Subscribe<T>(IClusterClient client, string streamNamespace, string key)
    {
        var probe = new StreamProbe<T>();
        await probe.AttachAsync(client.GetStreamProvider(StreamNames.Provider).GetStream<T>(StreamId.Create(streamNamespace, key)));
        return probe;
    }
}

/// <summary>
/// Subscribes to one stream and records its events; <see cref="WaitFor{TEvent}"/> completes when
/// a matching event arrived (before or after the call) and fails after <see cref="GrainTestHelpers.Timeout"/>.
/// </summary>
public sealed class StreamProbe<T> : IAsyncObserver<T>, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<T> _events = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Found)> _waiters = [];
    private StreamSubscriptionHandle<T>? _handle;

    internal async Task AttachAsync(IAsyncStream<T> stream) => _handle = await stream.SubscribeAsync(this);

    /// <summary>A snapshot of the events received so far, in arrival order.</summary>
    public IReadOnlyList<T> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    public IReadOnlyList<TEvent> EventsOf<TEvent>() where TEvent : T => Events.OfType<TEvent>().ToList();

    public async Task<TEvent> WaitFor<TEvent>(Func<TEvent, bool>? predicate = null) where TEvent : T
    {
        bool Match(T e) => e is TEvent typed && (predicate is null || predicate(typed));

        var found = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _events.FirstOrDefault(Match);
            if (existing is not null)
            {
                return (TEvent)existing;
            }

            _waiters.Add((Match, found));
        }

        try
        {
            return (TEvent)(await found.Task.WaitAsync(GrainTestHelpers.Timeout))!;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"No matching {typeof(TEvent).Name} within {GrainTestHelpers.Timeout}. Received: {string.Join(", ", Events)}");
        }
    }

    public Task OnNextAsync(T item, StreamSequenceToken? token = null)
    {
        List<TaskCompletionSource<T>> completed = [];
        lock (_gate)
        {
            _events.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    completed.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var found in completed)
        {
            found.TrySetResult(item);
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_handle is not null)
        {
            await _handle.UnsubscribeAsync();
        }
    }
}
