using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatOrleans.Client;

/// <summary>Turns one text frame into a <see cref="ServerEvent"/>; never throws.</summary>
internal static class ServerEventParser
{
    public static ServerEvent Parse(ReadOnlyMemory<byte> frame)
    {
        string? type;
        string? reqId;
        try
        {
            if (!TryReadHeader(frame.Span, out type, out reqId))
            {
                return Malformed(frame, "not a JSON object", null);
            }
        }
        catch (JsonException ex)
        {
            return Malformed(frame, "not JSON: " + ex.Message, null);
        }

        if (type is null)
        {
            return Malformed(frame, "no string 'type'", reqId);
        }

        try
        {
            return type switch
            {
                "welcome" => Deserialize(frame, ChatJson.Welcome),
                "new_message" => Deserialize(frame, ChatJson.NewMessage),
                "message_deleted" => Deserialize(frame, ChatJson.MessageDeleted),
                "read_state" => Deserialize(frame, ChatJson.ReadState),
                "receipt" => Deserialize(frame, ChatJson.Receipt),
                "typing" => Deserialize(frame, ChatJson.Typing),
                "chat_created" => Deserialize(frame, ChatJson.ChatCreated),
                "member_added" => Deserialize(frame, ChatJson.MemberAdded),
                "member_removed" => Deserialize(frame, ChatJson.MemberRemoved),
                "sync_done" => Deserialize(frame, ChatJson.SyncDone),
                "ack" => new AckEvent(reqId, CloneRoot(frame)),
                "pong" => new PongEvent(reqId),
                "error" => ToErrorEvent(Deserialize(frame, ChatJson.Error)),
                _ => new UnknownEvent(type, CloneRoot(frame)),
            };
        }
        catch (JsonException ex)
        {
            return Malformed(frame, $"bad '{type}': {ex.Message}", reqId);
        }
    }

    /// <summary>Reads the top-level <c>type</c> and <c>req_id</c> wherever they sit, validating the whole frame.</summary>
    private static bool TryReadHeader(ReadOnlySpan<byte> json, out string? type, out string? reqId)
    {
        type = null;
        reqId = null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            bool isReqId = !isType && reader.ValueTextEquals("req_id"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && (isType || isReqId))
            {
                if (isType)
                {
                    type = reader.GetString();
                }
                else
                {
                    reqId = reader.GetString();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        // Trailing content after the object makes the reader throw on the next Read.
        while (reader.Read())
        {
        }

        return true;
    }

    private static T Deserialize<T>(ReadOnlyMemory<byte> frame, JsonTypeInfo<T> info) =>
        JsonSerializer.Deserialize(frame.Span, info) ?? throw new JsonException("null");

    private static JsonElement CloneRoot(ReadOnlyMemory<byte> frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.Clone();
    }

    private static ErrorEvent ToErrorEvent(ErrorFrame frame) =>
        new(frame.ReqId, frame.Code ?? "", frame.Message ?? "", frame.RetryAfterMs);

    private static MalformedFrameEvent Malformed(ReadOnlyMemory<byte> frame, string reason, string? reqId) =>
        new(Encoding.UTF8.GetString(frame.Span), reason, reqId);
}
