using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Tests.Storage;

/// <summary>
/// What every <see cref="IMessageLog"/> must do, run against each implementation by a subclass
/// that supplies a log on a fresh, empty store for every test.
/// </summary>
public abstract class MessageLogContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The log under test; replaced by <see cref="RestartAsync"/>.</summary>
    protected IMessageLog Log { get; private set; } = null!;

    /// <summary>A log on a fresh, empty store of its own.</summary>
    protected abstract Task<IMessageLog> OpenAsync();

    /// <summary>Closes the store as a process exit would and opens it again, migrations and all.</summary>
    protected abstract Task<IMessageLog> ReopenAsync();

    /// <summary>Closes and deletes the store.</summary>
    protected abstract Task CloseAsync();

    public async Task InitializeAsync() => Log = await OpenAsync();

    public Task DisposeAsync() => CloseAsync();

    protected async Task RestartAsync() => Log = await ReopenAsync();

    protected static ChatMessage Message(
        string chatId, long seq, string sender = "alice", string? clientMsgId = null, string? text = null) =>
        new(
            MessageId: $"{chatId}-m{seq}",
            ChatId: chatId,
            Seq: seq,
            SenderId: sender,
            SenderDeviceId: sender + "-phone",
            ClientMsgId: clientMsgId ?? $"c{seq}",
            Text: text ?? $"message {seq}",
            Mentions: [],
            MediaIds: [],
            ParentMessageId: null,
            CreatedAt: T0.AddSeconds(seq));

    protected async Task AppendRange(string chatId, int count, Func<long, string>? sender = null)
    {
        var messages = Enumerable.Range(1, count)
            .Select(i => Message(chatId, i, sender?.Invoke(i) ?? "alice"))
            .ToList();
        await Log.AppendAsync(chatId, messages);
    }

    protected static long[] Seqs(IEnumerable<ChatMessage> messages) => messages.Select(m => m.Seq).ToArray();

    [Fact]
    public async Task AppendedMessageReadsBackWithEveryField()
    {
        // Sub-millisecond ticks and a non-UTC offset: the instant must come back exactly.
        var createdAt = new DateTimeOffset(2026, 11, 28, 12, 34, 56, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var original = new ChatMessage(
            "msg-1", "chat-a", 1, "alice", "alice-laptop", "client-1", "hello @bob, see 'this' \"file\" ✓",
            ["bob", "carol"], ["media-1", "media-2"], "msg-0", createdAt);

        await Log.AppendAsync("chat-a", [original]);

        var stored = await Log.GetAsync("chat-a", "msg-1");
        Assert.NotNull(stored);
        Assert.Null(stored.DeletedAt);
        var read = stored.Message;
        Assert.Equal(original.MessageId, read.MessageId);
        Assert.Equal(original.ChatId, read.ChatId);
        Assert.Equal(original.Seq, read.Seq);
        Assert.Equal(original.SenderId, read.SenderId);
        Assert.Equal(original.SenderDeviceId, read.SenderDeviceId);
        Assert.Equal(original.ClientMsgId, read.ClientMsgId);
        Assert.Equal(original.Text, read.Text);
        Assert.Equal(original.Mentions, read.Mentions);
        Assert.Equal(original.MediaIds, read.MediaIds);
        Assert.Equal(original.ParentMessageId, read.ParentMessageId);
        Assert.Equal(createdAt.UtcTicks, read.CreatedAt.UtcTicks);
        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);

        var page = await Log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null));
        Assert.Equal("msg-1", Assert.Single(page).MessageId);
        Assert.Equal(1, await Log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task NullTextAndNoParentRoundTrip()
    {
        var original = Message("chat-a", 1) with { Text = null, MediaIds = ["media-1"] };
        await Log.AppendAsync("chat-a", [original]);

        var read = (await Log.GetAsync("chat-a", original.MessageId))!.Message;
        Assert.Null(read.Text);
        Assert.Null(read.ParentMessageId);
        Assert.Empty(read.Mentions);
        Assert.Equal(["media-1"], read.MediaIds);
    }

    [Fact]
    public async Task EmptyChatHasLastSeqZeroAndNoHistory()
    {
        Assert.Equal(0, await Log.GetLastSeqAsync("nobody"));
        Assert.Empty(await Log.ReadAsync("nobody", HistoryQuery.Create(null, null, null)));
        Assert.Null(await Log.GetAsync("nobody", "m"));
        Assert.Null(await Log.GetLastDeletedAtAsync("nobody"));
        Assert.Equal(0, await Log.CountUnreadAsync("nobody", 0, long.MaxValue, "alice"));
    }

    [Fact]
    public async Task AppendWithTakenSeqIsRefusedAndWritesNothing()
    {
        await Log.AppendAsync("chat-a", [Message("chat-a", 1)]);

        // A second writer's batch: seq 2 is free but seq 1 is taken, so neither may land.
        var rival = Message("chat-a", 1, clientMsgId: "other") with { MessageId = "rival-1" };
        var conflict = await Assert.ThrowsAsync<SeqConflictException>(
            () => Log.AppendAsync("chat-a", [Message("chat-a", 2), rival]));

        Assert.Equal("chat-a", conflict.ChatId);
        Assert.Equal(1, await Log.GetLastSeqAsync("chat-a"));
        Assert.Null(await Log.GetAsync("chat-a", "chat-a-m2"));
        Assert.Null(await Log.GetAsync("chat-a", "rival-1"));
        Assert.Equal("message 1", (await Log.GetAsync("chat-a", "chat-a-m1"))!.Message.Text);
    }

    [Fact]
    public async Task DuplicateSeqWithinOneAppendIsRefused()
    {
        var second = Message("chat-a", 1, clientMsgId: "x") with { MessageId = "other" };
        await Assert.ThrowsAsync<SeqConflictException>(() => Log.AppendAsync("chat-a", [Message("chat-a", 1), second]));
        Assert.Equal(0, await Log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task DuplicateClientMsgIdOfSameSenderIsRefused()
    {
        await Log.AppendAsync("chat-a", [Message("chat-a", 1, "alice", clientMsgId: "same")]);

        await Assert.ThrowsAsync<SeqConflictException>(
            () => Log.AppendAsync("chat-a", [Message("chat-a", 2, "alice", clientMsgId: "same")]));
        Assert.Equal(1, await Log.GetLastSeqAsync("chat-a"));

        // Another sender may use the same client id, and so may the same sender in another chat.
        await Log.AppendAsync("chat-a", [Message("chat-a", 2, "bob", clientMsgId: "same")]);
        await Log.AppendAsync("chat-b", [Message("chat-b", 1, "alice", clientMsgId: "same")]);
        Assert.Equal(2, await Log.GetLastSeqAsync("chat-a"));
        Assert.Equal(1, await Log.GetLastSeqAsync("chat-b"));
    }

    [Fact]
    public async Task MessageOfAnotherChatIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync("chat-a", [Message("chat-b", 1)]));
    }

    [Fact]
    public async Task FindByClientMsgIdsReturnsOnlyStoredPairs()
    {
        await Log.AppendAsync("chat-a", [Message("chat-a", 1, "alice", "c1"), Message("chat-a", 2, "bob", "c1")]);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m2", T0);

        var found = await Log.FindByClientMsgIdsAsync(
            "chat-a",
            [new ClientMessageKey("alice", "c1"), new ClientMessageKey("bob", "c1"), new ClientMessageKey("alice", "nope")]);

        Assert.Equal(new long[] { 1L, 2L }, Seqs(found.OrderBy(m => m.Seq)));
        Assert.Empty(await Log.FindByClientMsgIdsAsync("chat-b", [new ClientMessageKey("alice", "c1")]));
        Assert.Empty(await Log.FindByClientMsgIdsAsync("chat-a", []));
    }

    [Fact]
    public async Task HistoryPagesSkipDeletedMessagesWithoutCountingThem()
    {
        await AppendRange("chat-a", 10);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m5", T0);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m9", T0);

        // Latest page overall, ascending.
        Assert.Equal(new long[] { 7L, 8L, 10L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(null, null, 3))));
        // Latest page below before_seq.
        Assert.Equal(new long[] { 4L, 6L, 7L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(8, null, 3))));
        Assert.Equal(new long[] { 1L, 2L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(3, null, 50))));
        // First page above after_seq.
        Assert.Equal(new long[] { 4L, 6L, 7L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(null, 3, 3))));
        Assert.Empty(await Log.ReadAsync("chat-a", new HistoryQuery(null, 10, 3)));
        // Both: the first page above after_seq, still below before_seq.
        Assert.Equal(new long[] { 4L, 6L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(7, 3, 50))));
        Assert.Equal(new long[] { 2L, 3L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(10, 1, 2))));
        // Everything, and no page for a non-positive limit.
        Assert.Equal(new long[] { 1L, 2L, 3L, 4L, 6L, 7L, 8L, 10L }, Seqs(await Log.ReadAsync("chat-a", new HistoryQuery(null, null, 200))));
        Assert.Empty(await Log.ReadAsync("chat-a", new HistoryQuery(null, null, 0)));
    }

    [Fact]
    public async Task DeleteErasesContentKeepsIdentityAndIsIdempotent()
    {
        var original = Message("chat-a", 1) with { Mentions = ["bob"], MediaIds = ["media-1"], ParentMessageId = "p" };
        await Log.AppendAsync("chat-a", [original, Message("chat-a", 2)]);
        var deletedAt = T0.AddMinutes(5).AddTicks(3);

        Assert.True(await Log.MarkDeletedAsync("chat-a", original.MessageId, deletedAt));

        var stored = await Log.GetAsync("chat-a", original.MessageId);
        Assert.NotNull(stored);
        Assert.Equal(deletedAt, stored.DeletedAt);
        Assert.Null(stored.Message.Text);
        Assert.Empty(stored.Message.Mentions);
        Assert.Empty(stored.Message.MediaIds);
        Assert.Equal(1, stored.Message.Seq);
        Assert.Equal("alice", stored.Message.SenderId);
        Assert.Equal("c1", stored.Message.ClientMsgId);
        Assert.Equal(original.CreatedAt, stored.Message.CreatedAt);

        // Again: nothing changes, the first deletion time stays.
        Assert.False(await Log.MarkDeletedAsync("chat-a", original.MessageId, deletedAt.AddHours(1)));
        Assert.Equal(deletedAt, (await Log.GetAsync("chat-a", original.MessageId))!.DeletedAt);
        Assert.False(await Log.MarkDeletedAsync("chat-a", "no-such-message", deletedAt));

        Assert.Equal(new long[] { 2L }, Seqs(await Log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null))));
        // The seq stays taken: the order never reuses it.
        Assert.Equal(2, await Log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task DeletedSinceListsDeletionsAtOrAfterTheTimeUpToTheSeq()
    {
        await AppendRange("chat-a", 6);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m4", T0.AddMinutes(2));
        await Log.MarkDeletedAsync("chat-a", "chat-a-m2", T0.AddMinutes(3));
        await Log.MarkDeletedAsync("chat-a", "chat-a-m1", T0.AddMinutes(1));
        await Log.MarkDeletedAsync("chat-a", "chat-a-m6", T0.AddMinutes(4));

        var since = await Log.GetDeletedSinceAsync("chat-a", T0.AddMinutes(2), upToSeq: 5);

        Assert.Equal(
            [new DeletedMessage("chat-a", "chat-a-m2", 2, T0.AddMinutes(3)), new DeletedMessage("chat-a", "chat-a-m4", 4, T0.AddMinutes(2))],
            since);
        Assert.Empty(await Log.GetDeletedSinceAsync("chat-a", T0.AddMinutes(5), 100));
        Assert.Empty(await Log.GetDeletedSinceAsync("chat-b", T0, 100));
        Assert.Equal(T0.AddMinutes(4), await Log.GetLastDeletedAtAsync("chat-a"));
    }

    [Fact]
    public async Task CountUnreadSkipsOwnAndDeletedMessages()
    {
        // Odd seqs from alice, even from bob.
        await AppendRange("chat-a", 10, seq => seq % 2 == 1 ? "alice" : "bob");
        await Log.MarkDeletedAsync("chat-a", "chat-a-m8", T0);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m9", T0);

        Assert.Equal(2, await Log.CountUnreadAsync("chat-a", 4, 10, "alice")); // 6 and 10; 8 is deleted
        Assert.Equal(2, await Log.CountUnreadAsync("chat-a", 4, 10, "bob"));   // 5 and 7; 9 is deleted
        Assert.Equal(1, await Log.CountUnreadAsync("chat-a", 4, 9, "alice"));  // 6 only: 10 is above the bound
        Assert.Equal(8, await Log.CountUnreadAsync("chat-a", 0, 10, "carol"));
        Assert.Equal(0, await Log.CountUnreadAsync("chat-a", 10, 10, "carol"));
    }

    [Fact]
    public async Task LogSurvivesReopeningTheStore()
    {
        await AppendRange("chat-a", 3);
        await Log.MarkDeletedAsync("chat-a", "chat-a-m2", T0);

        // A restart: the store opened anew, migrations run again and change nothing.
        await RestartAsync();

        Assert.Equal(3, await Log.GetLastSeqAsync("chat-a"));
        Assert.Equal(new long[] { 1L, 3L }, Seqs(await Log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null))));
        Assert.Equal(T0, (await Log.GetAsync("chat-a", "chat-a-m2"))!.DeletedAt);
        await Assert.ThrowsAsync<SeqConflictException>(() => Log.AppendAsync("chat-a", [Message("chat-a", 3)]));
    }

    [Fact]
    public async Task ConcurrentAppendsToManyChatsAllLand()
    {
        const int chats = 20;
        const int perChat = 25;
        var writers = Enumerable.Range(0, chats).Select(async c =>
        {
            var chatId = $"chat-{c}";
            for (var seq = 1; seq <= perChat; seq++)
            {
                await Log.AppendAsync(chatId, [Message(chatId, seq)]);
            }
        });

        await Task.WhenAll(writers);

        for (var c = 0; c < chats; c++)
        {
            Assert.Equal(perChat, await Log.GetLastSeqAsync($"chat-{c}"));
        }
    }

    [Fact]
    public async Task RacingWritersOfOneSeqExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 16)
            .Select(i => Message("chat-a", 1, sender: $"user{i}") with { MessageId = $"m-{i}" })
            .Select(m => Log.AppendAsync("chat-a", [m]))
            .ToList();

        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                await t;
                return true;
            }
            catch (SeqConflictException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Single(await Log.ReadAsync("chat-a", HistoryQuery.Create(null, null, 10)));
    }
}
