using System.Text.Json;

namespace ChatOrleans.Client;

/// <summary>
/// One frame the server sent on a <see cref="ChatConnection"/>, parsed by its <c>type</c>.
/// Pattern-match on the derived records; types this library does not know arrive as <see cref="UnknownEvent"/>.
/// </summary>
public abstract record ServerEvent;

/// <summary><c>welcome</c>: the first frame on every connection.</summary>
/// <param name="UserId">The authenticated user.</param>
/// <param name="DeviceId">The device id the connection was opened with.</param>
/// <param name="SessionId">The server's id for this connection.</param>
public sealed record WelcomeEvent(string UserId, string DeviceId, string SessionId) : ServerEvent;

/// <summary><c>new_message</c>: a message in one of the user's chats (live or replayed).</summary>
/// <param name="Message">The message.</param>
public sealed record NewMessageEvent(Message Message) : ServerEvent;

/// <summary><c>message_deleted</c>.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="MessageId">The deleted message.</param>
/// <param name="Seq">Its <c>seq</c>.</param>
public sealed record MessageDeletedEvent(string ChatId, string MessageId, long Seq) : ServerEvent;

/// <summary><c>read_state</c>: the user's read position in a chat moved.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="LastReadSeq">The new read position.</param>
/// <param name="UnreadCount">Unread messages left in the chat.</param>
/// <param name="BadgeCount">Unread messages over all chats whose level is not <c>none</c>.</param>
public sealed record ReadStateEvent(string ChatId, long LastReadSeq, int UnreadCount, int BadgeCount) : ServerEvent;

/// <summary><c>receipt</c>: another member's read position moved.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="UserId">The member who read.</param>
/// <param name="LastReadSeq">Their new read position.</param>
public sealed record ReceiptEvent(string ChatId, string UserId, long LastReadSeq) : ServerEvent;

/// <summary><c>typing</c>: another member started or stopped typing.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="UserId">The member typing.</param>
/// <param name="State"><c>start</c> or <c>stop</c>; see <see cref="TypingStates"/>.</param>
public sealed record TypingEvent(string ChatId, string UserId, string State) : ServerEvent;

/// <summary><c>chat_created</c>: a chat was created with the user in it, or the user was added to one.</summary>
/// <param name="Chat">The chat as this user sees it.</param>
public sealed record ChatCreatedEvent(Chat Chat) : ServerEvent;

/// <summary><c>member_added</c>.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="UserId">The user added.</param>
public sealed record MemberAddedEvent(string ChatId, string UserId) : ServerEvent;

/// <summary><c>member_removed</c> (also sent to the removed user).</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="UserId">The user removed (or who left).</param>
public sealed record MemberRemovedEvent(string ChatId, string UserId) : ServerEvent;

/// <summary><c>sync_done</c>: replay after <c>welcome</c> is over.</summary>
/// <param name="Replayed">The number of frames between <c>welcome</c> and this one.</param>
public sealed record SyncDoneEvent(int Replayed) : ServerEvent;

/// <summary><c>error</c>: a refused request (with its <c>req_id</c>) or an unreadable frame.</summary>
/// <param name="ReqId">The request's id, when the server could read one.</param>
/// <param name="Code">The protocol error code; see <see cref="ErrorCodes"/>.</param>
/// <param name="Message">Human-readable detail.</param>
/// <param name="RetryAfterMs">For <c>rate_limited</c>: when to retry, in milliseconds.</param>
public sealed record ErrorEvent(string? ReqId, string Code, string Message, long? RetryAfterMs = null) : ServerEvent;

/// <summary><c>pong</c>: the answer to <c>ping</c>.</summary>
/// <param name="ReqId">The ping's request id.</param>
public sealed record PongEvent(string? ReqId) : ServerEvent;

/// <summary><c>ack</c>: a request succeeded. The result fields sit beside <c>req_id</c> in <paramref name="Frame"/>.</summary>
/// <param name="ReqId">The request's id.</param>
/// <param name="Frame">The whole frame (a detached copy).</param>
public sealed record AckEvent(string? ReqId, JsonElement Frame) : ServerEvent
{
    /// <summary>The <c>message</c> of a <c>send_message</c> ack.</summary>
    /// <returns>The message.</returns>
    /// <exception cref="InvalidDataException">The frame has no readable <c>message</c>.</exception>
    public Message GetMessage() =>
        Frame.TryGetProperty("message", out JsonElement value) && value.ValueKind == JsonValueKind.Object
            ? value.Deserialize(ChatJson.Message) ?? throw new InvalidDataException("ack.message is null.")
            : throw new InvalidDataException($"ack {ReqId} has no 'message': {Frame.GetRawText()}");

    /// <summary>The <c>messages</c> of a <c>fetch_history</c> ack.</summary>
    /// <returns>The messages, ascending by <c>seq</c>.</returns>
    /// <exception cref="InvalidDataException">The frame has no readable <c>messages</c>.</exception>
    public IReadOnlyList<Message> GetMessages() =>
        Frame.TryGetProperty("messages", out JsonElement value) && value.ValueKind == JsonValueKind.Array
            ? value.Deserialize(ChatJson.MessageList) ?? throw new InvalidDataException("ack.messages is null.")
            : throw new InvalidDataException($"ack {ReqId} has no 'messages': {Frame.GetRawText()}");
}

/// <summary>A well-formed frame whose <c>type</c> this library does not know (the protocol may grow).</summary>
/// <param name="Type">The frame's <c>type</c>.</param>
/// <param name="Frame">The whole frame (a detached copy).</param>
public sealed record UnknownEvent(string Type, JsonElement Frame) : ServerEvent;

/// <summary>
/// A frame that breaks the protocol: binary, not JSON, no <c>type</c>, or a known type with missing or
/// mistyped fields. Kept so tests can see server mistakes instead of losing them.
/// </summary>
/// <param name="Text">The frame as text (binary frames as base64).</param>
/// <param name="Reason">What is wrong with it.</param>
/// <param name="ReqId">Its <c>req_id</c>, when one could be read.</param>
public sealed record MalformedFrameEvent(string Text, string Reason, string? ReqId) : ServerEvent;
