using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using ChatOrleans.Client;
using ChatOrleans.Tests.EndToEnd;

namespace ChatOrleans.Tests.Cluster;

// The grain interfaces (namespace ChatOrleans) hold a type of the same name; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>What the multi-process tests do through the client library: connect, send until acked, read history.</summary>
internal static class ClusterChat
{
    /// <summary>How long one wait for an event may take with several processes on two busy cores.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The HTTP API of <paramref name="user"/> on a given gateway (any gateway accepts any gateway's token).</summary>
    public static ChatApiClient Api(ClusterProcess gateway, TestUser user) =>
        new(gateway.BaseUri) { AccessToken = user.AccessToken, UserId = user.UserId };

    /// <summary>Connects a device and waits for <c>sync_done</c>.</summary>
    public static async Task<ChatConnection> ConnectAsync(ClusterProcess gateway, TestUser user, string deviceId)
    {
        var options = new ChatConnectionOptions { ConnectTimeout = Wait, RequestTimeout = TimeSpan.FromSeconds(20), DefaultWaitTimeout = Wait };
        var connection = await ChatConnection.ConnectAsync(gateway.BaseUri, user.AccessToken, deviceId, options);
        try
        {
            await connection.SyncDone.WaitAsync(Wait);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static Task<NewMessageEvent> WaitForSeqAsync(ChatConnection connection, string chatId, long seq) =>
        connection.WaitForAsync<NewMessageEvent>(e => e.Message.ChatId == chatId && e.Message.Seq == seq, Wait);

    /// <summary>
    /// Sends until the server acks, always with the same <paramref name="clientMsgId"/>: an error
    /// that says "try again" (unavailable, internal) or no answer in time means the send may or may
    /// not be stored, and only the same key makes the retry safe.
    /// </summary>
    public static async Task<Message> SendUntilAckedAsync(
        ChatConnection connection, string chatId, string clientMsgId, string text, SendStats stats, CancellationToken cancellationToken)
    {
        while (true)
        {
            stats.Attempted();
            try
            {
                return await connection.SendMessageAsync(chatId, clientMsgId, text, cancellationToken: cancellationToken);
            }
            catch (ChatRequestException ex) when (ex.Code is ErrorCodes.Unavailable or ErrorCodes.Internal)
            {
                stats.Failed(clientMsgId, ex.Code);
            }
            catch (TimeoutException)
            {
                stats.Failed(clientMsgId, "no answer");
            }

            // A short pause between retries of one message, not a wait for some state.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>The whole history of a chat, page by page, retried while the cluster heals.</summary>
    public static async Task<List<Message>> ReadAllHistoryAsync(ChatApiClient api, string chatId)
    {
        var all = new List<Message>();
        while (true)
        {
            var after = all.Count == 0 ? 0 : all[^1].Seq;
            var page = await RetryAsync(() => api.GetMessagesAsync(chatId, afterSeq: after, limit: 200));
            all.AddRange(page);
            if (page.Count < 200)
            {
                return all;
            }
        }
    }

    /// <summary>Retries an HTTP call that failed with "try again" (503, 500, no connection) for up to <see cref="Wait"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && deadline.Elapsed < Wait)
            {
                // Try again below.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException
            or ChatApiException { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError };

    /// <summary>
    /// Invariant 3 on one socket: every <c>new_message</c> of the chat it received is exactly
    /// <paramref name="history"/>'s messages from <paramref name="fromSeq"/> on, in seq order, each once,
    /// the same message at each seq.
    /// </summary>
    public static void AssertSawInOrder(ChatConnection connection, string chatId, IReadOnlyList<Message> history, long fromSeq, string who)
    {
        var seen = E2E.MessagesOf(connection, chatId);
        var expected = history.Where(m => m.Seq >= fromSeq).ToList();
        E2E.AssertRange(seen.Select(m => m.Seq).ToList(), fromSeq, history.Count == 0 ? fromSeq - 1 : history[^1].Seq, who);
        Assert.True(
            expected.Select(m => m.MessageId).SequenceEqual(seen.Select(m => m.MessageId)),
            $"{who}: the messages differ from the history at the same seqs");
    }
}

/// <summary>Counts of one group of senders: attempts, and failures with what they were.</summary>
internal sealed class SendStats
{
    private int _attempts;
    private int _failures;

    public ConcurrentQueue<string> Failures { get; } = new();

    public int AttemptCount => Volatile.Read(ref _attempts);

    public int FailureCount => Volatile.Read(ref _failures);

    public void Attempted() => Interlocked.Increment(ref _attempts);

    public void Failed(string clientMsgId, string reason)
    {
        Interlocked.Increment(ref _failures);
        Failures.Enqueue($"{clientMsgId}: {reason}");
    }

    public override string ToString() =>
        $"{AttemptCount} attempts, {FailureCount} failed ({string.Join("; ", Failures.Take(20))})";
}
