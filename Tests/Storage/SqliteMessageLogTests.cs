using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Sqlite;

namespace ChatOrleans.Tests.Storage;

public sealed class SqliteMessageLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteDatabase _database = null!;
    private SqliteMessageLog _log = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(_folder);
        _log = new SqliteMessageLog(_database);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static ChatMessage Message(
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

    private async Task AppendRange(string chatId, int count, Func<long, string>? sender = null)
    {
        var messages = Enumerable.Range(1, count)
            .Select(i => Message(chatId, i, sender?.Invoke(i) ?? "alice"))
            .ToList();
        await _log.AppendAsync(chatId, messages);
    }

    private static long[] Seqs(IEnumerable<ChatMessage> messages) => messages.Select(m => m.Seq).ToArray();

    [Fact]
    public async Task AppendedMessageReadsBackWithEveryField()
    {
        // Sub-millisecond ticks and a non-UTC offset: the instant must come back exactly.
        var createdAt = new DateTimeOffset(2026, 11, 28, 12, 34, 56, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var original = new ChatMessage(
            "msg-1", "chat-a", 1, "alice", "alice-laptop", "client-1", "hello @bob, see 'this' \"file\" ✓",
            ["bob", "carol"], ["media-1", "media-2"], "msg-0", createdAt);

        await _log.AppendAsync("chat-a", [original]);

        var stored = await _log.GetAsync("chat-a", "msg-1");
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

        var page = await _log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null));
        Assert.Equal("msg-1", Assert.Single(page).MessageId);
        Assert.Equal(1, await _log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task NullTextAndNoParentRoundTrip()
    {
        var original = Message("chat-a", 1) with { Text = null, MediaIds = ["media-1"] };
        await _log.AppendAsync("chat-a", [original]);

        var read = (await _log.GetAsync("chat-a", original.MessageId))!.Message;
        Assert.Null(read.Text);
        Assert.Null(read.ParentMessageId);
        Assert.Empty(read.Mentions);
        Assert.Equal(["media-1"], read.MediaIds);
    }

    [Fact]
    public async Task EmptyChatHasLastSeqZeroAndNoHistory()
    {
        Assert.Equal(0, await _log.GetLastSeqAsync("nobody"));
        Assert.Empty(await _log.ReadAsync("nobody", HistoryQuery.Create(null, null, null)));
        Assert.Empty(await _log.ReadRecentAsync("nobody", 10));
        Assert.Null(await _log.GetAsync("nobody", "m"));
        Assert.Null(await _log.GetLastDeletedAtAsync("nobody"));
        Assert.Equal(0, await _log.CountUnreadAsync("nobody", 0, "alice"));
    }

    [Fact]
    public async Task AppendWithTakenSeqIsRefusedAndWritesNothing()
    {
        await _log.AppendAsync("chat-a", [Message("chat-a", 1)]);

        // A second writer's batch: seq 2 is free but seq 1 is taken, so neither may land.
        var rival = Message("chat-a", 1, clientMsgId: "other") with { MessageId = "rival-1" };
        var conflict = await Assert.ThrowsAsync<SeqConflictException>(
            () => _log.AppendAsync("chat-a", [Message("chat-a", 2), rival]));

        Assert.Equal("chat-a", conflict.ChatId);
        Assert.Equal(1, await _log.GetLastSeqAsync("chat-a"));
        Assert.Null(await _log.GetAsync("chat-a", "chat-a-m2"));
        Assert.Null(await _log.GetAsync("chat-a", "rival-1"));
        Assert.Equal("message 1", (await _log.GetAsync("chat-a", "chat-a-m1"))!.Message.Text);
    }

    [Fact]
    public async Task DuplicateSeqWithinOneAppendIsRefused()
    {
        var second = Message("chat-a", 1, clientMsgId: "x") with { MessageId = "other" };
        await Assert.ThrowsAsync<SeqConflictException>(() => _log.AppendAsync("chat-a", [Message("chat-a", 1), second]));
        Assert.Equal(0, await _log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task DuplicateClientMsgIdOfSameSenderIsRefused()
    {
        await _log.AppendAsync("chat-a", [Message("chat-a", 1, "alice", clientMsgId: "same")]);

        await Assert.ThrowsAsync<SeqConflictException>(
            () => _log.AppendAsync("chat-a", [Message("chat-a", 2, "alice", clientMsgId: "same")]));
        Assert.Equal(1, await _log.GetLastSeqAsync("chat-a"));

        // Another sender may use the same client id, and so may the same sender in another chat.
        await _log.AppendAsync("chat-a", [Message("chat-a", 2, "bob", clientMsgId: "same")]);
        await _log.AppendAsync("chat-b", [Message("chat-b", 1, "alice", clientMsgId: "same")]);
        Assert.Equal(2, await _log.GetLastSeqAsync("chat-a"));
        Assert.Equal(1, await _log.GetLastSeqAsync("chat-b"));
    }

    [Fact]
    public async Task MessageOfAnotherChatIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync("chat-a", [Message("chat-b", 1)]));
    }

    [Fact]
    public async Task FindByClientMsgIdsReturnsOnlyStoredPairs()
    {
        await _log.AppendAsync("chat-a", [Message("chat-a", 1, "alice", "c1"), Message("chat-a", 2, "bob", "c1")]);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m2", T0);

        var found = await _log.FindByClientMsgIdsAsync(
            "chat-a",
            [new ClientMessageKey("alice", "c1"), new ClientMessageKey("bob", "c1"), new ClientMessageKey("alice", "nope")]);

        Assert.Equal(new long[] { 1L, 2L }, Seqs(found.OrderBy(m => m.Seq)));
        Assert.Empty(await _log.FindByClientMsgIdsAsync("chat-b", [new ClientMessageKey("alice", "c1")]));
        Assert.Empty(await _log.FindByClientMsgIdsAsync("chat-a", []));
    }

    [Fact]
    public async Task HistoryPagesSkipDeletedMessagesWithoutCountingThem()
    {
        await AppendRange("chat-a", 10);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m5", T0);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m9", T0);

        // Latest page overall, ascending.
        Assert.Equal(new long[] { 7L, 8L, 10L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(null, null, 3))));
        // Latest page below before_seq.
        Assert.Equal(new long[] { 4L, 6L, 7L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(8, null, 3))));
        Assert.Equal(new long[] { 1L, 2L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(3, null, 50))));
        // First page above after_seq.
        Assert.Equal(new long[] { 4L, 6L, 7L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(null, 3, 3))));
        Assert.Empty(await _log.ReadAsync("chat-a", new HistoryQuery(null, 10, 3)));
        // Both: the first page above after_seq, still below before_seq.
        Assert.Equal(new long[] { 4L, 6L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(7, 3, 50))));
        Assert.Equal(new long[] { 2L, 3L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(10, 1, 2))));
        // Everything, and no page for a non-positive limit.
        Assert.Equal(new long[] { 1L, 2L, 3L, 4L, 6L, 7L, 8L, 10L }, Seqs(await _log.ReadAsync("chat-a", new HistoryQuery(null, null, 200))));
        Assert.Empty(await _log.ReadAsync("chat-a", new HistoryQuery(null, null, 0)));
    }

    [Fact]
    public async Task ReadRecentIncludesDeletedAscending()
    {
        await AppendRange("chat-a", 6);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m5", T0);

        var recent = await _log.ReadRecentAsync("chat-a", 3);

        Assert.Equal(new long[] { 4L, 5L, 6L }, Seqs(recent));
        Assert.Null(recent[1].Text);
        Assert.Equal("c5", recent[1].ClientMsgId);
        Assert.Equal(6, (await _log.ReadRecentAsync("chat-a", 100)).Count);
    }

    [Fact]
    public async Task DeleteErasesContentKeepsIdentityAndIsIdempotent()
    {
        var original = Message("chat-a", 1) with { Mentions = ["bob"], MediaIds = ["media-1"], ParentMessageId = "p" };
        await _log.AppendAsync("chat-a", [original, Message("chat-a", 2)]);
        var deletedAt = T0.AddMinutes(5).AddTicks(3);

        Assert.True(await _log.MarkDeletedAsync("chat-a", original.MessageId, deletedAt));

        var stored = await _log.GetAsync("chat-a", original.MessageId);
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
        Assert.False(await _log.MarkDeletedAsync("chat-a", original.MessageId, deletedAt.AddHours(1)));
        Assert.Equal(deletedAt, (await _log.GetAsync("chat-a", original.MessageId))!.DeletedAt);
        Assert.False(await _log.MarkDeletedAsync("chat-a", "no-such-message", deletedAt));

        Assert.Equal(new long[] { 2L }, Seqs(await _log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null))));
        // The seq stays taken: the order never reuses it.
        Assert.Equal(2, await _log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task DeletedSinceListsDeletionsAtOrAfterTheTimeUpToTheSeq()
    {
        await AppendRange("chat-a", 6);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m4", T0.AddMinutes(2));
        await _log.MarkDeletedAsync("chat-a", "chat-a-m2", T0.AddMinutes(3));
        await _log.MarkDeletedAsync("chat-a", "chat-a-m1", T0.AddMinutes(1));
        await _log.MarkDeletedAsync("chat-a", "chat-a-m6", T0.AddMinutes(4));

        var since = await _log.GetDeletedSinceAsync("chat-a", T0.AddMinutes(2), upToSeq: 5);

        Assert.Equal(
            [new DeletedMessage("chat-a", "chat-a-m2", 2, T0.AddMinutes(3)), new DeletedMessage("chat-a", "chat-a-m4", 4, T0.AddMinutes(2))],
            since);
        Assert.Empty(await _log.GetDeletedSinceAsync("chat-a", T0.AddMinutes(5), 100));
        Assert.Empty(await _log.GetDeletedSinceAsync("chat-b", T0, 100));
        Assert.Equal(T0.AddMinutes(4), await _log.GetLastDeletedAtAsync("chat-a"));
    }

    [Fact]
    public async Task CountUnreadSkipsOwnAndDeletedMessages()
    {
        // Odd seqs from alice, even from bob.
        await AppendRange("chat-a", 10, seq => seq % 2 == 1 ? "alice" : "bob");
        await _log.MarkDeletedAsync("chat-a", "chat-a-m8", T0);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m9", T0);

        Assert.Equal(2, await _log.CountUnreadAsync("chat-a", 4, "alice")); // 6 and 10; 8 is deleted
        Assert.Equal(2, await _log.CountUnreadAsync("chat-a", 4, "bob"));   // 5 and 7; 9 is deleted
        Assert.Equal(8, await _log.CountUnreadAsync("chat-a", 0, "carol"));
        Assert.Equal(0, await _log.CountUnreadAsync("chat-a", 10, "carol"));
    }

    [Fact]
    public async Task LogSurvivesReopeningTheDatabase()
    {
        await AppendRange("chat-a", 3);
        await _log.MarkDeletedAsync("chat-a", "chat-a-m2", T0);
        await _database.DisposeAsync();

        // A restart: a new database object on the same folder, migrations run again and change nothing.
        _database = new SqliteDatabase(_folder);
        _log = new SqliteMessageLog(_database);

        Assert.Equal(1, _database.SchemaVersion);
        Assert.Equal(3, await _log.GetLastSeqAsync("chat-a"));
        Assert.Equal(new long[] { 1L, 3L }, Seqs(await _log.ReadAsync("chat-a", HistoryQuery.Create(null, null, null))));
        await Assert.ThrowsAsync<SeqConflictException>(() => _log.AppendAsync("chat-a", [Message("chat-a", 3)]));
    }

    [Fact]
    public async Task DatabaseIsWalWithFullSyncAndVersionedSchema()
    {
        // synchronous is per connection: ask the writer itself. FULL is 2.
        var synchronous = await _database.WriteAsync(tx =>
        {
            using var command = SqliteDatabase.Command(tx, "PRAGMA synchronous;");
            return command.ExecuteScalar();
        });
        Assert.Equal(2L, synchronous);

        var (journalMode, versions) = await _database.ReadAsync(connection =>
        {
            using var mode = SqliteDatabase.Command(connection, "PRAGMA journal_mode;");
            using var version = SqliteDatabase.Command(connection, "SELECT group_concat(version) FROM schema_version;");
            return ((string)mode.ExecuteScalar()!, (string)version.ExecuteScalar()!);
        });
        Assert.Equal("wal", journalMode);
        Assert.Equal("1", versions);
        Assert.Equal(Path.Combine(_folder, "chatorleans.db"), _database.FilePath);
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
                await _log.AppendAsync(chatId, [Message(chatId, seq)]);
            }
        });

        await Task.WhenAll(writers);

        for (var c = 0; c < chats; c++)
        {
            Assert.Equal(perChat, await _log.GetLastSeqAsync($"chat-{c}"));
        }
    }

    [Fact]
    public async Task RacingWritersOfOneSeqExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 16)
            .Select(i => Message("chat-a", 1, sender: $"user{i}") with { MessageId = $"m-{i}" })
            .Select(m => _log.AppendAsync("chat-a", [m]))
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
        Assert.Single(await _log.ReadRecentAsync("chat-a", 10));
    }
}
