using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Tests.Chats;

/// <summary>
/// An in-memory message log for the chat's writer: it refuses a taken seq or client_msg_id as the
/// real logs do, can hold appends until a test releases them, and records every append asked of
/// it. Not thread-safe: tests drive it from one scheduler (see <see cref="OneTurnAtATime"/>).
/// </summary>
internal sealed class ScriptedMessageLog : IMessageLog
{
    private readonly List<ChatMessage> _rows = [];
    private readonly List<TaskCompletionSource> _appendSeen = [];
    private TaskCompletionSource? _hold;

    /// <summary>Every append asked for, refused ones included, in order.</summary>
    public List<IReadOnlyList<ChatMessage>> Appends { get; } = [];

    public IReadOnlyList<ChatMessage> Rows => _rows;

    /// <summary>Runs before each append is checked: a test's other writer, or a fault.</summary>
    public Action<IReadOnlyList<ChatMessage>>? BeforeAppend { get; set; }

    /// <summary>A row another writer stored.</summary>
    public void Store(ChatMessage message) => _rows.Add(message);

    /// <summary>Appends from now on wait until <see cref="Release"/>.</summary>
    public void Hold() => _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release()
    {
        var hold = _hold;
        _hold = null;
        hold?.SetResult();
    }

    /// <summary>Completes once the <paramref name="count"/>-th append has been asked for.</summary>
    public Task AppendAsked(int count) => Seen(count).Task.WaitAsync(TimeSpan.FromSeconds(10));

    public async Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        Appends.Add(messages);
        Seen(Appends.Count).TrySetResult();
        if (_hold is { } hold)
        {
            await hold.Task;
        }

        await Task.Yield();
        BeforeAppend?.Invoke(messages);
        foreach (var message in messages)
        {
            if (_rows.Any(r => r.Seq == message.Seq || (r.SenderId == message.SenderId && r.ClientMsgId == message.ClientMsgId)))
            {
                throw new SeqConflictException(chatId);
            }
        }

        _rows.AddRange(messages);
    }

    private TaskCompletionSource Seen(int count)
    {
        while (_appendSeen.Count < count)
        {
            _appendSeen.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return _appendSeen[count - 1];
    }

    public Task<long> GetLastSeqAsync(string chatId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_rows.Count == 0 ? 0 : _rows.Max(r => r.Seq));

    public Task<IReadOnlyList<ChatMessage>> FindByClientMsgIdsAsync(
        string chatId, IReadOnlyCollection<ClientMessageKey> keys, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ChatMessage>>(
            _rows.Where(r => keys.Contains(new ClientMessageKey(r.SenderId, r.ClientMsgId))).ToList());

    public Task<StoredMessage?> GetAsync(string chatId, string messageId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<ChatMessage>> ReadAsync(string chatId, HistoryQuery query, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<bool> MarkDeletedAsync(string chatId, string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<DeletedMessage>> GetDeletedSinceAsync(
        string chatId, DateTimeOffset since, long upToSeq, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<DateTimeOffset?> GetLastDeletedAtAsync(string chatId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<int> CountUnreadAsync(string chatId, long afterSeq, long upToSeq, string userId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
}
