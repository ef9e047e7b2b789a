namespace ChatOrleans;

/// <summary>
/// The single writer of one chat (key: chat id). It checks membership, dedupes
/// <c>client_msg_id</c>, assigns <c>seq</c>, writes to the message log and only then acks and
/// publishes on the chat's stream. Refusals are <see cref="ChatException"/>s.
/// </summary>
[Alias("ChatOrleans.IChatGrain")]
public interface IChatGrain : IGrainWithStringKey
{
    [Alias("CreateGroup")]
    Task<ChatInfo> CreateGroup(string ownerId, string name, IReadOnlyList<string> memberIds);

    /// <summary>Creates the direct chat of two users, or returns it when it exists.</summary>
    [Alias("EnsureDirect")]
    Task<DirectChatResult> EnsureDirect(string userA, string userB);

    /// <summary>The chat as a member sees it; <c>forbidden</c> for others, <c>not_found</c> when there is no such chat.</summary>
    [Alias("GetInfo")]
    Task<ChatInfo> GetInfo(string requesterId);

    [Alias("IsMember")]
    Task<bool> IsMember(string userId);

    [Alias("AddMembers")]
    Task<ChatInfo> AddMembers(string actorId, IReadOnlyList<string> userIds);

    /// <summary>A member leaves (actor = user) or the owner removes someone.</summary>
    [Alias("RemoveMember")]
    Task RemoveMember(string actorId, string userId);

    /// <summary>
    /// Stores a member's message and returns it once durable. A retry (the same sender and
    /// <c>client_msg_id</c>) gets the original back whatever its new content, also when that content
    /// fails a check: here (media, parent) or at the edge (<see cref="SendMessageCommand.Refusal"/>,
    /// thrown for anything but a retry). <c>forbidden</c> for a non-member, retries included.
    /// </summary>
    [Alias("Send")]
    Task<ChatMessage> Send(SendMessageCommand command);

    /// <summary>
    /// Stores one connection's sends in the order given, each as <see cref="Send"/> would: each
    /// gets its seq after the one before it, and sends that pass their checks at once are written
    /// together. One outcome per command, in order; a refusal answers only its own command.
    /// </summary>
    [Alias("SendInOrder")]
    Task<IReadOnlyList<SendOutcome>> SendInOrder(IReadOnlyList<SendMessageCommand> commands);

    /// <summary>Only the sender deletes. Deleting a deleted message succeeds and changes nothing.</summary>
    [Alias("Delete")]
    Task Delete(string actorId, string messageId);

    [Alias("GetHistory")]
    Task<IReadOnlyList<ChatMessage>> GetHistory(string requesterId, HistoryQuery query);

    /// <summary>A reconnecting device's catch-up in this chat (see <see cref="ChatReplay"/>).</summary>
    [Alias("GetReplay")]
    Task<ChatReplay> GetReplay(string requesterId, long afterSeq, DateTimeOffset? deletedSince, int limit);

    [Alias("GetLastSeq")]
    Task<long> GetLastSeq(string requesterId);

    /// <summary>
    /// The seqs up to <paramref name="upToSeq"/> deleted at or after <paramref name="since"/>: the
    /// notification pipeline drops them, so no push or email ever shows a deleted message.
    /// </summary>
    [Alias("GetDeletedSeqs")]
    Task<IReadOnlyList<long>> GetDeletedSeqs(string requesterId, DateTimeOffset since, long upToSeq);

    /// <summary>Messages by others, not deleted, above <paramref name="afterSeq"/>.</summary>
    [Alias("CountUnread")]
    Task<int> CountUnread(string userId, long afterSeq);

    /// <summary>The member's unread count after <paramref name="afterSeq"/>, with the chat state it is exact for.</summary>
    [Alias("GetUnread")]
    Task<UnreadSnapshot> GetUnread(string userId, long afterSeq);

    /// <summary>
    /// The chat for one member's list: unread count above their read position and the newest
    /// message. The read position is <paramref name="lastReadSeq"/> or, when higher, the seq of the
    /// member's own latest message: a send moves it, and this answers right after the send's ack
    /// even before the member's grain has heard of the move.
    /// </summary>
    [Alias("GetSummary")]
    Task<ChatSummary> GetSummary(string userId, long lastReadSeq);

    [Alias("Typing")]
    Task Typing(string userId, bool started);

    /// <summary>
    /// A member chose an alert level for this chat. The chat keeps the choices so that it contacts
    /// only the members an alert is for (Grains/Chats/AlertRecipients.cs).
    /// </summary>
    [Alias("SetAlertLevel")]
    Task SetAlertLevel(string userId, NotificationLevel level);

    /// <summary>
    /// A member read up to <paramref name="seq"/> (clamped to the last seq) from <paramref name="fromSeq"/>: publishes a receipt
    /// where receipts apply, and returns the member's unread count from there.
    /// </summary>
    [Alias("MarkRead")]
    Task<UnreadSnapshot> MarkRead(string userId, long fromSeq, long seq);
}
