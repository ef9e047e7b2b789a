using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

using MessageDeletedEvent = ChatOrleans.Client.MessageDeletedEvent;
using ReadStateEvent = ChatOrleans.Client.ReadStateEvent;

/// <summary>One real gateway (default settings) shared by the tests of a class; each test uses its own users.</summary>
public class SharedGatewayFixture : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public Uri BaseUri => Gateway.BaseUri;

    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync() => Gateway = await TestGateway.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

/// <summary>A shared gateway whose per-device send rate limit is out of the way, for bulk concurrent sends.</summary>
public sealed class UnthrottledGatewayFixture : SharedGatewayFixture
{
    protected override IDictionary<string, string?>? Settings => E2E.Unthrottled;
}

/// <summary>A registered user with an HTTP client holding its token.</summary>
public sealed record TestUser(string Username, string Password, string UserId, string AccessToken, ChatApiClient Api);

/// <summary>Helpers for the end-to-end invariant tests: users, connections, and reading what a device saw.</summary>
public static class E2E
{
    public const string Password = "password1";

    /// <summary>How long any single wait for an event may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static readonly IDictionary<string, string?> Unthrottled = new Dictionary<string, string?>
    {
        ["Gateway:SendBurst"] = "10000",
        ["Gateway:SendsPerSecond"] = "10000",
        ["Gateway:UserSendBurst"] = "10000",
        ["Gateway:UserSendsPerSecond"] = "10000",
    };

    public static string NewUsername() => $"u{Guid.NewGuid():N}"[..20];

    public static async Task<TestUser> RegisterAsync(Uri baseUri)
    {
        var username = NewUsername();
        var api = new ChatApiClient(baseUri);
        var auth = await api.RegisterAsync(username, Password);
        return new TestUser(username, Password, auth.UserId, auth.AccessToken, api);
    }

    public static async Task<TestUser[]> RegisterManyAsync(Uri baseUri, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => RegisterAsync(baseUri)));

    /// <summary>Connects a device and waits for <c>sync_done</c>.</summary>
    public static Task<ChatConnection> ConnectAsync(Uri baseUri, TestUser user, string deviceId) =>
        ConnectAsync(baseUri, user.AccessToken, deviceId);

    /// <summary>Connects a device with a given token and waits for <c>sync_done</c>.</summary>
    public static async Task<ChatConnection> ConnectAsync(Uri baseUri, string accessToken, string deviceId)
    {
        var connection = await ChatConnection.ConnectAsync(baseUri, accessToken, deviceId);
        try
        {
            await connection.SyncDone.WaitAsync(Timeout);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every <c>new_message</c> of one chat this connection received, in arrival order.</summary>
    public static List<Message> MessagesOf(ChatConnection connection, string chatId) =>
        connection.ReceivedOf<NewMessageEvent>().Select(e => e.Message).Where(m => m.ChatId == chatId).ToList();

    public static List<long> SeqsOf(ChatConnection connection, string chatId) =>
        MessagesOf(connection, chatId).Select(m => m.Seq).ToList();

    public static List<MessageDeletedEvent> DeletionsOf(ChatConnection connection, string chatId) =>
        connection.ReceivedOf<MessageDeletedEvent>().Where(e => e.ChatId == chatId).ToList();

    /// <summary>The frames between <c>welcome</c> and <c>sync_done</c> (the replay), in order.</summary>
    public static List<ServerEvent> ReplayedFrames(ChatConnection connection)
    {
        var received = connection.Received;
        var welcome = IndexOf<WelcomeEvent>(received);
        var syncDone = IndexOf<SyncDoneEvent>(received);
        Assert.True(welcome == 0, $"welcome is not the first frame: [{Describe(received)}]");
        Assert.True(syncDone > welcome, $"no sync_done after welcome: [{Describe(received)}]");
        return received.Skip(welcome + 1).Take(syncDone - welcome - 1).ToList();
    }

    /// <summary>The frames after <c>sync_done</c>, in order.</summary>
    public static List<ServerEvent> LiveFrames(ChatConnection connection)
    {
        var received = connection.Received;
        var syncDone = IndexOf<SyncDoneEvent>(received);
        Assert.True(syncDone >= 0, $"no sync_done: [{Describe(received)}]");
        return received.Skip(syncDone + 1).ToList();
    }

    public static Task<NewMessageEvent> WaitForSeqAsync(ChatConnection connection, string chatId, long seq) =>
        connection.WaitForAsync<NewMessageEvent>(e => e.Message.ChatId == chatId && e.Message.Seq == seq, Timeout);

    public static Task<MessageDeletedEvent> WaitForDeletionAsync(ChatConnection connection, string chatId, string messageId) =>
        connection.WaitForAsync<MessageDeletedEvent>(e => e.ChatId == chatId && e.MessageId == messageId, Timeout);

    /// <summary>
    /// A round trip on the connection: every frame the server queued for this socket before it
    /// handled the ping has arrived once this returns.
    /// </summary>
    public static Task MarkerAsync(ChatConnection connection) => connection.PingAsync().WaitAsync(Timeout);

    /// <summary>Sends <paramref name="count"/> messages without waiting between them; they go out (and get seqs) in this order.</summary>
    public static List<Task<Message>> FireSends(ChatConnection connection, string chatId, string prefix, int count) =>
        Enumerable.Range(1, count)
            .Select(i => connection.SendMessageAsync(chatId, $"{prefix}-{i}", $"{prefix} message {i}"))
            .ToList();

    /// <summary>Sends messages one after the other, each acked before the next.</summary>
    public static async Task<List<Message>> SendSequentiallyAsync(ChatConnection connection, string chatId, string prefix, int count)
    {
        var sent = new List<Message>(count);
        for (var i = 1; i <= count; i++)
        {
            sent.Add(await connection.SendMessageAsync(chatId, $"{prefix}-{i}", $"{prefix} message {i}"));
        }

        return sent;
    }

    /// <summary>The seqs are exactly <paramref name="from"/>..<paramref name="to"/>, ascending, each once.</summary>
    public static void AssertRange(IReadOnlyList<long> seqs, long from, long to, string what)
    {
        var expected = to >= from ? Enumerable.Range(0, (int)(to - from + 1)).Select(i => from + i).ToList() : [];
        Assert.True(
            expected.SequenceEqual(seqs),
            $"{what}: expected seqs {from}..{to} in order, each once; got [{string.Join(",", seqs)}]");
    }

    public static string Describe(IEnumerable<ServerEvent> events) => string.Join(", ", events.Select(Describe));

    public static string Describe(ServerEvent e) => e switch
    {
        NewMessageEvent n => $"new_message(#{n.Message.Seq})",
        MessageDeletedEvent d => $"message_deleted(#{d.Seq})",
        ReadStateEvent r => $"read_state({r.LastReadSeq})",
        SyncDoneEvent s => $"sync_done({s.Replayed})",
        WelcomeEvent => "welcome",
        AckEvent a => $"ack({a.ReqId})",
        PongEvent p => $"pong({p.ReqId})",
        ErrorEvent er => $"error({er.ReqId},{er.Code})",
        _ => e.GetType().Name,
    };

    private static int IndexOf<T>(IReadOnlyList<ServerEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is T)
            {
                return i;
            }
        }

        return -1;
    }
}
