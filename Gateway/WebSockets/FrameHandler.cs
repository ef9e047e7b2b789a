using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// Handles one client frame: parses it, checks it against the limits, calls the grains and
/// answers with exactly one <c>ack</c> or <c>error</c> when the frame carries a <c>req_id</c>.
/// </summary>
public sealed partial class FrameHandler(
    IGrainFactory grains,
    SendRateLimiter rateLimiter,
    HistoryRateLimiter historyLimiter,
    ErrorLogThrottle errorLogs,
    MediaLinks media,
    ChatMetrics metrics,
    ILogger<FrameHandler> logger)
{
    private readonly GrainRefCache<IChatGrain> _chats = new(grains, capacity: 65_536);

    public async Task HandleAsync(ClientConnection connection, ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException)
        {
            connection.Reply(ServerFrames.Error(null, ErrorCodes.BadRequest, "The frame is not valid JSON."));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (!TryReadReqId(root, out var reqId))
            {
                connection.Reply(ServerFrames.Error(null, ErrorCodes.BadRequest, "req_id is not valid Unicode text (a lone surrogate)."));
                return;
            }

            try
            {
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw ChatException.BadRequest("A frame is a JSON object.");
                }

                var request = new FrameReader(root);
                var type = request.RequiredString("type");
                await DispatchAsync(connection, type, request, reqId);
            }
            catch (Exception ex)
            {
                connection.Reply(FailureFrame(connection, reqId, ex));
            }
        }
    }

    /// <summary>
    /// The frame's <c>req_id</c>, cloned so that it outlives the document (null when the frame has
    /// none); false when it cannot be written back (see <see cref="CanEcho"/>).
    /// </summary>
    private static bool TryReadReqId(JsonElement root, out JsonElement? reqId)
    {
        reqId = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("req_id", out var id)
            && id.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            if (!CanEcho(id))
            {
                return false;
            }

            reqId = id.Clone();
        }

        return true;
    }

    /// <summary>The <c>error</c> answer to a frame that failed, counted or logged by its kind.</summary>
    private byte[] FailureFrame(ClientConnection connection, JsonElement? reqId, Exception exception)
    {
        switch (exception)
        {
            case ChatException ex:
                return ServerFrames.Error(reqId, ex.Code, ex.Message);
            case RateLimitedException ex:
                metrics.RateLimited(ex.Budget);
                return ServerFrames.Error(reqId, ErrorCodes.RateLimited, ex.Message, (long)Math.Ceiling(ex.RetryAfter.TotalMilliseconds));
            case TimeoutException or OrleansException or SiloUnavailableException:
                LogUnavailable(connection.DeviceKey, exception);
                return ServerFrames.Error(reqId, ErrorCodes.Unavailable, "The service is briefly unavailable; try again.");
            default:
                LogUnexpected(connection, exception);
                return ServerFrames.Error(reqId, ErrorCodes.Internal, "Something went wrong on the server.");
        }
    }

    private async Task DispatchAsync(ClientConnection connection, string type, FrameReader request, JsonElement? reqId)
    {
        // What a person does counts as activity; pings and delivered acks are sent by the app alone.
        if (type is not ("ping" or "delivered"))
        {
            connection.NoteActivity();
        }

        // Sends are answered while the next frames are read (see SendPipeline). A frame whose
        // outcome could depend on an earlier send (history, a delete, a read position) waits for
        // them, so the connection's frames still take effect in the order they came. Pings,
        // delivered acks and typing concern nothing a send of this connection changes.
        if (type is not ("send_message" or "ping" or "delivered" or "typing"))
        {
            await connection.SendsAnswered();
        }

        switch (type)
        {
            case "ping":
                RequireReqId(reqId, type);
                connection.Reply(ServerFrames.Pong(reqId));
                return;
            case "send_message":
                await SendMessageAsync(connection, request, reqId);
                return;
            case "delete_message":
                await DeleteMessageAsync(connection, request, reqId);
                return;
            case "mark_read":
                await MarkReadAsync(connection, request, reqId);
                return;
            case "delivered":
                await DeliveredAsync(connection, request, reqId);
                return;
            case "typing":
                await TypingAsync(connection, request, reqId);
                return;
            case "fetch_history":
                await FetchHistoryAsync(connection, request, reqId);
                return;
            default:
                throw ChatException.BadRequest($"Unknown frame type \"{type}\".");
        }
    }

    private async Task DeleteMessageAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        RequireReqId(reqId, "delete_message");
        CheckSendBudget(connection);
        await _chats[request.RequiredString("chat_id")]
            .Delete(connection.UserId, request.RequiredString("message_id"));
        connection.Reply(ServerFrames.Ack(reqId));
    }

    private static async Task MarkReadAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        RequireReqId(reqId, "mark_read");
        await connection.User
            .MarkRead(request.RequiredString("chat_id"), request.RequiredSeq("seq"));
        connection.Reply(ServerFrames.Ack(reqId));
    }

    private static async Task DeliveredAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        var device = connection.Device;
        var deliveredChat = request.RequiredString("chat_id");
        var deliveredSeq = request.RequiredSeq("seq");
        if (reqId is null)
        {
            // Unconfirmed: batched with the gateway's others, written shortly, many in one write.
            // A seq this socket never sent needs the chat's own check: the grain does it.
            if (!connection.TryNoteDelivered(deliveredChat, deliveredSeq))
            {
                await device.Delivered(deliveredChat, deliveredSeq);
            }

            return;
        }

        // Confirmed: the ack means the position is stored.
        await device.Delivered(deliveredChat, deliveredSeq);
        connection.Reply(ServerFrames.Ack(reqId));
    }

    private async Task TypingAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        var state = request.RequiredString("state");
        if (state is not ("start" or "stop"))
        {
            throw ChatException.BadRequest("state must be \"start\" or \"stop\".");
        }

        await _chats[request.RequiredString("chat_id")].Typing(connection.UserId, state == "start");
        ReplyIfAsked(connection, reqId);
    }

    private async Task FetchHistoryAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        RequireReqId(reqId, "fetch_history");
        if (historyLimiter.TryAcquire(connection.DeviceKey) is { } historyRetry)
        {
            throw new RateLimitedException(historyRetry, RateLimitBudgets.History, "Too many history requests: slow down.");
        }

        // An answer may be megabytes: none is built while the socket still holds a lot
        // unread, so a socket that stops reading pins at most its queue and one answer.
        if (!await connection.WaitForSendQueueToDrainAsync())
        {
            return;
        }

        var query = HistoryQuery.Create(request.OptionalSeq("before_seq"), request.OptionalSeq("after_seq"), request.OptionalInt("limit"));
        var messages = await _chats[request.RequiredString("chat_id")]
            .GetHistory(connection.UserId, query);
        connection.Reply(ServerFrames.MessagesAck(reqId, await media.MessagesAsync(messages, connection.Origin)));
    }

    /// <summary>
    /// Whether a <c>req_id</c> can be written back as it came. A string may hold an escaped lone
    /// surrogate (<c>"\ud800"</c>), which no JSON writer will write; such a frame is answered
    /// without its <c>req_id</c>. The common case (no escape) is checked without allocating.
    /// </summary>
    private static bool CanEcho(JsonElement id)
    {
        if (id.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
        {
            return true;
        }

        if (id.ValueKind == JsonValueKind.String)
        {
            var raw = JsonMarshal.GetRawUtf8Value(id);
            if (raw.IndexOf((byte)'\\') < 0 && Utf8.IsValid(raw))
            {
                return true;
            }
        }

        try
        {
            using var writer = new Utf8JsonWriter(Stream.Null);
            id.WriteTo(writer);
            writer.Flush();
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void RequireReqId(JsonElement? reqId, string type)
    {
        if (reqId is null)
        {
            throw ChatException.BadRequest($"{type} needs a req_id.");
        }
    }

    private static void ReplyIfAsked(ClientConnection connection, JsonElement? reqId)
    {
        if (reqId is not null)
        {
            connection.Reply(ServerFrames.Ack(reqId));
        }
    }

    private sealed class RateLimitedException(TimeSpan retryAfter, string budget, string message)
        : Exception(message)
    {
        public TimeSpan RetryAfter { get; } = retryAfter;

        /// <summary>Which budget refused, for <c>chatorleans.rate_limit.refusals</c>.</summary>
        public string Budget { get; } = budget;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "A request of device {DeviceKey} found the cluster unavailable")]
    private partial void LogUnavailable(string deviceKey, Exception exception);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "A request of device {DeviceKey} failed ({Suppressed} similar failures not logged since the last one)")]
    private partial void LogFailed(string deviceKey, long suppressed, Exception exception);
}
