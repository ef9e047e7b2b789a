using System.Diagnostics.Metrics;
using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Storage;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using static ChatOrleans.Tests.Chats.TestMessages;

namespace ChatOrleans.Tests.Chats;

/// <summary>
/// The chat's batched writer: sends that queue during a write share the next one, each is acked
/// once stored, seqs follow the log, and a refused append is retried from what the log holds.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ChatLogWriterTests
{
    private static readonly ChatMetrics Metrics = new(new TestMeterFactory());

    private readonly ScriptedMessageLog _log = new();
    private readonly DedupeCache _recent = new(capacity: 100);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<IReadOnlyList<ChatMessage>> _written = [];

    [Fact]
    public Task SendsQueuedDuringAWriteGoTogetherInTheNextBatch() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        _log.Hold();
        var first = Enqueue(writer, "alice", "c1");
        await _log.AppendAsked(1);
        var queued = new[] { Enqueue(writer, "bob", "c2"), Enqueue(writer, "alice", "c3"), Enqueue(writer, "carol", "c4") };
        _log.Release();

        var messages = await Task.WhenAll([first, .. queued]);

        Assert.Equal([1L, 2, 3, 4], messages.Select(m => m.Seq));
        Assert.Equal([1, 3], _log.Appends.Select(a => a.Count));
        Assert.Equal([[1L], [2L, 3, 4]], _written.Select(w => w.Select(m => m.Seq)));
        Assert.Equal(4, writer.LastSeq);
        Assert.Equal(0, writer.Pending);
    });

    [Fact]
    public Task SendsQueuedInOneTurnOnAnIdleWriterGoToTheLogInOneWrite() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();

        // As ChatGrain.SendInOrder queues a connection's sends: one after the other, no await between.
        var sends = new[] { Enqueue(writer, "alice", "c1"), Enqueue(writer, "alice", "c2"), Enqueue(writer, "alice", "c3") };
        var messages = await Task.WhenAll(sends);

        Assert.Equal([1L, 2, 3], messages.Select(m => m.Seq));
        Assert.Equal([3], _log.Appends.Select(a => a.Count));
        Assert.Equal([[1L, 2, 3]], _written.Select(w => w.Select(m => m.Seq)));
    });

    [Fact]
    public Task ABatchHoldsAtMostMaxBatchSends() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer(maxBatch: 2);
        _log.Hold();
        var sends = new List<Task<ChatMessage>> { Enqueue(writer, "alice", "c0") };
        await _log.AppendAsked(1);
        for (var i = 1; i <= 5; i++)
        {
            sends.Add(Enqueue(writer, "alice", $"c{i}"));
        }

        _log.Release();
        var messages = await Task.WhenAll(sends);

        Assert.Equal([1, 2, 2, 1], _log.Appends.Select(a => a.Count));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), messages.Select(m => m.Seq));
        Assert.Equal(messages.Select(m => m.ClientMsgId), _log.Rows.Select(r => r.ClientMsgId));
    });

    [Fact]
    public Task ASendIsAckedOnlyOnceItsBatchIsStored() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        _log.Hold();
        var send = Enqueue(writer, "alice", "c1");
        await _log.AppendAsked(1);

        Assert.False(send.IsCompleted);
        Assert.Same(send, writer.InFlight(new ClientMessageKey("alice", "c1")));
        Assert.Empty(_log.Rows);

        _log.Release();
        var message = await send;

        Assert.Equal(message, Assert.Single(_log.Rows));
        Assert.Null(writer.InFlight(new ClientMessageKey("alice", "c1")));
        Assert.True(_recent.TryGet(new ClientMessageKey("alice", "c1"), out var remembered));
        Assert.Same(message, remembered);
    });

    [Fact]
    public Task TheNextBatchWaitsUntilTheLastOneIsHandledOn() => OneTurnAtATime.Run(async () =>
    {
        var events = new List<string>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = await Writer(written: async batch =>
        {
            events.Add($"written {batch[0].Seq}");
            if (batch[0].Seq == 1)
            {
                await handled.Task;
            }
        });
        _log.BeforeAppend = batch => events.Add($"append {batch[0].Seq}");

        var first = await Enqueue(writer, "alice", "c1"); // acked before it is handled on
        var second = Enqueue(writer, "alice", "c2");
        Assert.Equal(["append 1", "written 1"], events);

        handled.SetResult();
        await second;

        Assert.Equal(1, first.Seq);
        Assert.Equal(["append 1", "written 1", "append 2", "written 2"], events);
    });

    [Fact]
    public Task SeqsContinueFromTheLog() => OneTurnAtATime.Run(async () =>
    {
        foreach (var message in Batch(1, "alice", "bob", "alice"))
        {
            _log.Store(message);
        }

        var writer = await Writer();
        Assert.Equal(3, writer.LastSeq);

        var sent = await Enqueue(writer, "bob", "new");

        Assert.Equal(4, sent.Seq);
    });

    [Fact]
    public Task ASeqTakenByAnotherWriterIsSkippedAfterReloadingFromTheLog() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        _log.Store(Message(1, "mallory", "elsewhere")); // a double activation wrote seq 1

        var sent = await Enqueue(writer, "alice", "c1");

        Assert.Equal(2, sent.Seq);
        Assert.Equal(2, writer.LastSeq);
        Assert.Equal([1L, 2], _log.Appends.Select(a => a[0].Seq));
        Assert.Equal([[2L]], _written.Select(w => w.Select(m => m.Seq)));
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal(1002, warning.EventId.Id);
        Assert.IsType<SeqConflictException>(warning.Exception);
    });

    [Fact]
    public Task ARetryOfAStoredSendGetsTheOriginalAndTheRestOfTheBatchIsWritten() => OneTurnAtATime.Run(async () =>
    {
        var original = Message(1, "alice", "c1", text: "the first time");
        _log.Store(original); // stored by an earlier activation: the dedupe cache does not know it
        var writer = await Writer();
        _log.Hold();
        var blocker = Enqueue(writer, "dave", "c0");
        await _log.AppendAsked(1);
        var retry = Enqueue(writer, "alice", "c1", text: "different text");
        var other = Enqueue(writer, "bob", "c2");
        _log.Release();

        Assert.Equal(2, (await blocker).Seq);
        Assert.Same(original, await retry);
        Assert.Equal(3, (await other).Seq);
        Assert.Equal([1, 2, 1], _log.Appends.Select(a => a.Count));
        Assert.Equal([[2L], [3L]], _written.Select(w => w.Select(m => m.Seq)));
        Assert.True(_recent.TryGet(new ClientMessageKey("alice", "c1"), out var remembered));
        Assert.Same(original, remembered);

        // The idempotent path, not a fault: logged below warning.
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 1006);
    });

    [Fact]
    public Task ABatchOfOnlyStoredRetriesWritesAndHandsOnNothing() => OneTurnAtATime.Run(async () =>
    {
        var original = Message(1, "alice", "c1");
        _log.Store(original);
        var writer = await Writer();

        var retried = await Enqueue(writer, "alice", "c1");

        Assert.Same(original, retried);
        Assert.Single(_log.Rows);
        Assert.Empty(_written);
        Assert.Equal(1, writer.LastSeq);
    });

    [Fact]
    public Task AfterTheLastAttemptTheSendsGetUnavailableAndTheWriterCarriesOn() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        var raced = 0;
        _log.BeforeAppend = batch =>
        {
            // Another writer takes the seq each time, as long as this test lets it.
            if (raced++ < ChatLogWriter.MaxWriteAttempts)
            {
                _log.Store(Message(batch[0].Seq, "mallory", $"race{raced}"));
            }
        };

        var failed = await Assert.ThrowsAsync<ChatException>(() => Enqueue(writer, "alice", "c1"));

        Assert.Equal(ErrorCodes.Unavailable, failed.Code);
        Assert.Equal(ChatLogWriter.MaxWriteAttempts, _log.Appends.Count);
        Assert.Null(writer.InFlight(new ClientMessageKey("alice", "c1")));
        Assert.False(_recent.TryGet(new ClientMessageKey("alice", "c1"), out _));
        Assert.Empty(_written);
        Assert.Equal(ChatLogWriter.MaxWriteAttempts - 1, _logs.Entries.Count(e => e.EventId.Id == 1002));
        Assert.Equal(1, _logs.Entries.Count(e => e.EventId.Id == 1003 && e.Level == LogLevel.Error));

        // The send's retry is written, after what the other writer stored.
        var retried = await Enqueue(writer, "alice", "c1");
        Assert.Equal(ChatLogWriter.MaxWriteAttempts + 1, retried.Seq);
    });

    [Fact]
    public Task AFailedWriteFailsItsSendsWithoutTakingASeq() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        var fail = true;
        _log.BeforeAppend = _ =>
        {
            if (fail)
            {
                fail = false;
                throw new IOException("disk full");
            }
        };

        var failed = await Assert.ThrowsAsync<ChatException>(() => Enqueue(writer, "alice", "c1"));
        var next = await Enqueue(writer, "alice", "c2");

        Assert.Equal(ErrorCodes.Unavailable, failed.Code);
        Assert.Equal(1, next.Seq);
        Assert.Equal(0, writer.Pending);
    });

    [Fact]
    public Task ARefusalFromTheLogReachesTheSenderAsItIs() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        var refusal = ChatException.Conflict("refused");
        _log.BeforeAppend = _ => throw refusal;

        var failed = await Assert.ThrowsAsync<ChatException>(() => Enqueue(writer, "alice", "c1"));

        Assert.Same(refusal, failed);
    });

    [Fact]
    public Task AMediaIdGivenTwiceIsStoredOnce() => OneTurnAtATime.Run(async () =>
    {
        var writer = await Writer();
        var command = new SendMessageCommand("alice", "phone", "c1", null, ["m1", "m2", "m1"], null);

        var sent = await writer.Enqueue(command, new ClientMessageKey("alice", "c1"), []);

        Assert.Equal(["m1", "m2"], sent.MediaIds);
    });

    private async Task<ChatLogWriter> Writer(int maxBatch = 256, Func<IReadOnlyList<ChatMessage>, Task>? written = null)
    {
        var writer = new ChatLogWriter(
            "chat", _log, _recent, maxBatch, TimeProvider.System, Metrics, _logs.CreateLogger("ChatOrleans.Grains.Chats.ChatGrain"),
            written ?? (batch =>
            {
                _written.Add(batch);
                return Task.CompletedTask;
            }));
        await writer.LoadAsync();
        return writer;
    }

    private static Task<ChatMessage> Enqueue(ChatLogWriter writer, string senderId, string clientMsgId, string text = "hi") =>
        writer.Enqueue(new SendMessageCommand(senderId, "phone", clientMsgId, text, [], null), new ClientMessageKey(senderId, clientMsgId), []);

    private sealed class TestMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
