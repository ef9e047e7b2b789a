using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOrleans.Gateway.Protocol;

// The server → client frames of PROTOCOL.md as types, written through ProtocolJsonContext. Each
// record's constructor parameters are its fields in wire order after "type", which comes first
// (JsonPropertyOrder); a null field is written as null unless marked otherwise, as the protocol
// says every field is present. Tests/Protocol/ServerFrameBytesTests.cs pins the bytes.

public sealed record WelcomeFrame(string UserId, string DeviceId, string SessionId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";
}

public sealed record NewMessageFrame(MessageDto Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "new_message";
}

public sealed record MessageDeletedFrame(string ChatId, string MessageId, long Seq)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message_deleted";
}

public sealed record ReadStateFrame(string ChatId, long LastReadSeq, int UnreadCount, int BadgeCount)
{
    [JsonPropertyOrder(-1)]
    public string Type => "read_state";
}

public sealed record ReceiptFrame(string ChatId, string UserId, long LastReadSeq)
{
    [JsonPropertyOrder(-1)]
    public string Type => "receipt";
}

/// <summary><see cref="State"/> is <c>"start"</c> or <c>"stop"</c>.</summary>
public sealed record TypingFrame(string ChatId, string UserId, string State)
{
    [JsonPropertyOrder(-1)]
    public string Type => "typing";
}

public sealed record ChatCreatedFrame(ChatDto Chat)
{
    [JsonPropertyOrder(-1)]
    public string Type => "chat_created";
}

public sealed record MemberAddedFrame(string ChatId, string UserId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "member_added";
}

public sealed record MemberRemovedFrame(string ChatId, string UserId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "member_removed";
}

public sealed record SyncDoneFrame(int Replayed)
{
    [JsonPropertyOrder(-1)]
    public string Type => "sync_done";
}

/// <summary><c>req_id</c> is echoed as the client sent it (any JSON value), or null.</summary>
public sealed record PongFrame(JsonElement? ReqId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pong";
}

/// <summary><see cref="RetryAfterMs"/> is written only for <c>rate_limited</c>.</summary>
public sealed record ErrorFrame(
    JsonElement? ReqId,
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

/// <summary>The <c>ack</c> of a request whose answer has no fields beside <c>req_id</c>.</summary>
public sealed record AckFrame(JsonElement? ReqId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "ack";
}

/// <summary>The <c>ack</c> of <c>send_message</c>: the stored message (or the original of a retry).</summary>
public sealed record MessageAckFrame(JsonElement? ReqId, MessageDto Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "ack";
}

/// <summary>The <c>ack</c> of <c>fetch_history</c>: messages ascending by <c>seq</c>.</summary>
public sealed record MessagesAckFrame(JsonElement? ReqId, IReadOnlyList<MessageDto> Messages)
{
    [JsonPropertyOrder(-1)]
    public string Type => "ack";
}
