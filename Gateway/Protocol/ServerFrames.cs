using System.Text.Json;

namespace ChatOrleans.Gateway.Protocol;

/// <summary>
/// Builds the server → client frames of PROTOCOL.md as UTF-8 JSON. A fan-out serialises each
/// event once and hands the same bytes to every socket.
/// </summary>
public static class ServerFrames
{
    public static byte[] Welcome(string userId, string deviceId, string sessionId) =>
        Serialize(new { type = "welcome", user_id = userId, device_id = deviceId, session_id = sessionId });

    public static byte[] NewMessage(MessageDto message) =>
        Serialize(new { type = "new_message", message });

    public static byte[] MessageDeleted(string chatId, string messageId, long seq) =>
        Serialize(new { type = "message_deleted", chat_id = chatId, message_id = messageId, seq });

    public static byte[] ReadState(ReadState state) =>
        Serialize(new
        {
            type = "read_state",
            chat_id = state.ChatId,
            last_read_seq = state.LastReadSeq,
            unread_count = state.UnreadCount,
            badge_count = state.BadgeCount,
        });

    public static byte[] Receipt(string chatId, string userId, long lastReadSeq) =>
        Serialize(new { type = "receipt", chat_id = chatId, user_id = userId, last_read_seq = lastReadSeq });

    public static byte[] Typing(string chatId, string userId, bool started) =>
        Serialize(new { type = "typing", chat_id = chatId, user_id = userId, state = started ? "start" : "stop" });

    /// <summary><c>chat_created</c>: its <c>last_message</c> is always null (see docs/protocol.md).</summary>
    public static byte[] ChatCreated(ChatView chat) => Serialize(new { type = "chat_created", chat = ChatDto.From(chat, null) });

    public static byte[] MemberAdded(string chatId, string userId) =>
        Serialize(new { type = "member_added", chat_id = chatId, user_id = userId });

    public static byte[] MemberRemoved(string chatId, string userId) =>
        Serialize(new { type = "member_removed", chat_id = chatId, user_id = userId });

    public static byte[] SyncDone(int replayed) => Serialize(new { type = "sync_done", replayed });

    public static byte[] Pong(JsonElement? reqId) => Serialize(new { type = "pong", req_id = reqId });

    public static byte[] Error(JsonElement? reqId, string code, string message, long? retryAfterMs = null) =>
        retryAfterMs is { } retry
            ? Serialize(new { type = "error", req_id = reqId, code, message, retry_after_ms = retry })
            : Serialize(new { type = "error", req_id = reqId, code, message });

    /// <summary><c>{type:"ack", req_id, …result}</c>: the result's fields sit beside <c>req_id</c>.</summary>
    public static byte[] Ack(JsonElement? reqId, object? result = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = ProtocolJson.Options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "ack");
            writer.WritePropertyName("req_id");
            if (reqId is { } id)
            {
                id.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            if (result is not null)
            {
                foreach (var property in JsonSerializer.SerializeToElement(result, result.GetType(), ProtocolJson.Options).EnumerateObject())
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static byte[] Serialize(object frame) => ProtocolJson.SerializeToUtf8(frame);
}
