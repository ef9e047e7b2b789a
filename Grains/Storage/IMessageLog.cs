namespace ChatOrleans.Grains.Storage;

/// <summary>
/// The durable, append-only message log: one row per message, keyed by <c>(chat_id, seq)</c>.
/// Implementations: SQLite (embedded default) and PostgreSQL (production). Every write is
/// durable when its task completes: the chat acks only after that.
/// </summary>
public interface IMessageLog
{
    /// <summary>The highest seq stored for the chat, deleted or not; 0 when it has none.</summary>
    Task<long> GetLastSeqAsync(string chatId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends messages of one chat in one transaction: all or none. Throws
    /// <see cref="SeqConflictException"/> when a <c>(chat_id, seq)</c> is already taken (another
    /// writer got there first) or a <c>(chat_id, sender_id, client_msg_id)</c> is already stored.
    /// </summary>
    Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>The stored messages with these (sender, client_msg_id) pairs, deleted ones included.</summary>
    Task<IReadOnlyList<ChatMessage>> FindByClientMsgIdsAsync(
        string chatId, IReadOnlyCollection<ClientMessageKey> keys, CancellationToken cancellationToken = default);

    /// <summary>One message by id, deleted or not; null when the chat has no such message.</summary>
    Task<StoredMessage?> GetAsync(string chatId, string messageId, CancellationToken cancellationToken = default);

    /// <summary>A page of history, ascending by seq, deleted messages left out (see <see cref="HistoryQuery"/>).</summary>
    Task<IReadOnlyList<ChatMessage>> ReadAsync(string chatId, HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a message deleted at <paramref name="deletedAt"/> and erases its content. Returns
    /// false when it was already deleted (nothing changes then).
    /// </summary>
    Task<bool> MarkDeletedAsync(string chatId, string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken = default);

    /// <summary>Deletions at or after <paramref name="since"/> of messages with seq ≤ <paramref name="upToSeq"/>, by seq.</summary>
    Task<IReadOnlyList<DeletedMessage>> GetDeletedSinceAsync(
        string chatId, DateTimeOffset since, long upToSeq, CancellationToken cancellationToken = default);

    /// <summary>When the chat's latest deletion happened; null when nothing was ever deleted.</summary>
    Task<DateTimeOffset?> GetLastDeletedAtAsync(string chatId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages above <paramref name="afterSeq"/> and up to <paramref name="upToSeq"/>, not deleted, not sent by
    /// <paramref name="userId"/>.
    /// </summary>
    Task<int> CountUnreadAsync(string chatId, long afterSeq, long upToSeq, string userId, CancellationToken cancellationToken = default);
}

/// <summary>The dedupe key of a send: the same user and <c>client_msg_id</c> in one chat is one message.</summary>
public readonly record struct ClientMessageKey(string SenderId, string ClientMsgId);

/// <summary>A message as stored, with its deletion time when it was deleted.</summary>
public sealed record StoredMessage(ChatMessage Message, DateTimeOffset? DeletedAt);
