using System.Text.Json;

namespace ChatOrleans.Gateway.Protocol;

/// <summary>
/// Builds the server → client frames of PROTOCOL.md as UTF-8 JSON, from the typed records of
/// <c>ServerFrameRecords.cs</c> through generated metadata. A fan-out serialises each event once
/// and hands the same bytes to every socket.
/// </summary>
public static class ServerFrames
{
    public static byte[] Welcome(string userId, string deviceId, string sessionId) =>
        Serialize(new WelcomeFrame(userId, deviceId, sessionId));

    public static byte[] NewMessage(MessageDto message) => Serialize(new NewMessageFrame(message));

    public static byte[] MessageDeleted(string chatId, string messageId, long seq) =>
        Serialize(new MessageDeletedFrame(chatId, messageId, seq));

    public static byte[] ReadState(ReadState state) =>
        Serialize(new ReadStateFrame(state.ChatId, state.LastReadSeq, state.UnreadCount, state.BadgeCount));

    public static byte[] Receipt(string chatId, string userId, long lastReadSeq) =>
        Serialize(new ReceiptFrame(chatId, userId, lastReadSeq));

    public static byte[] Typing(string chatId, string userId, bool started) =>
        Serialize(new TypingFrame(chatId, userId, started ? "start" : "stop"));

    /// <summary><c>chat_created</c>: its <c>last_message</c> is always null (see docs/protocol.md).</summary>
    public static byte[] ChatCreated(ChatView chat) => Serialize(new ChatCreatedFrame(ChatDto.From(chat, null)));

    public static byte[] MemberAdded(string chatId, string userId) => Serialize(new MemberAddedFrame(chatId, userId));

    public static byte[] MemberRemoved(string chatId, string userId) => Serialize(new MemberRemovedFrame(chatId, userId));

    public static byte[] SyncDone(int replayed) => Serialize(new SyncDoneFrame(replayed));

    public static byte[] Pong(JsonElement? reqId) => Serialize(new PongFrame(reqId));

    public static byte[] Error(JsonElement? reqId, string code, string message, long? retryAfterMs = null) =>
        Serialize(new ErrorFrame(reqId, code, message, retryAfterMs));

    /// <summary><c>{type:"ack", req_id}</c>.</summary>
    public static byte[] Ack(JsonElement? reqId) => Serialize(new AckFrame(reqId));

    /// <summary><c>{type:"ack", req_id, message}</c> of <c>send_message</c>.</summary>
    public static byte[] MessageAck(JsonElement? reqId, MessageDto message) => Serialize(new MessageAckFrame(reqId, message));

    /// <summary><c>{type:"ack", req_id, messages}</c> of <c>fetch_history</c>.</summary>
    public static byte[] MessagesAck(JsonElement? reqId, IReadOnlyList<MessageDto> messages) => Serialize(new MessagesAckFrame(reqId, messages));

    private static byte[] Serialize<T>(T frame) => JsonSerializer.SerializeToUtf8Bytes(frame, ProtocolJson.TypeInfo<T>());
}
