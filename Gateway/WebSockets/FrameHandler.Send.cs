using System.Diagnostics;
using System.Text.Json;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// <c>send_message</c>: checked here for shape, size and budget, then handed to the connection's
/// <see cref="SendPipeline{TSend}"/>, which calls the chat with the sends that queued up for it;
/// the answers go back in the order sent.
/// </summary>
public sealed partial class FrameHandler
{
    private ValueTask SendMessageAsync(ClientConnection connection, FrameReader request, JsonElement? reqId)
    {
        RequireReqId(reqId, "send_message");
        CheckSendBudget(connection);
        var started = Stopwatch.GetTimestamp();
        var chatId = request.RequiredString("chat_id");
        return connection.Sends.Submit(chatId, new QueuedSend(ReadSendCommand(connection, request), reqId, started));
    }

    /// <summary>
    /// One chat's queued sends of a connection, in one call (see <see cref="SendPipeline{TSend}"/>):
    /// answers each with its <c>ack</c> or <c>error</c>, in order.
    /// </summary>
    internal async Task DeliverSendsAsync(ClientConnection connection, string chatId, IReadOnlyList<QueuedSend> sends)
    {
        IReadOnlyList<SendOutcome> outcomes;
        try
        {
            var commands = new SendMessageCommand[sends.Count];
            for (var i = 0; i < sends.Count; i++)
            {
                commands[i] = sends[i].Command;
            }

            outcomes = await _chats[chatId].SendInOrder(commands);
        }
        catch (Exception ex)
        {
            foreach (var send in sends)
            {
                connection.Reply(FailureFrame(connection, send.ReqId, ex));
            }

            return;
        }

        for (var i = 0; i < sends.Count; i++)
        {
            var send = sends[i];
            try
            {
                connection.Reply(outcomes[i] switch
                {
                    { Message: { } message } => ServerFrames.MessageAck(send.ReqId, await media.MessageAsync(message, connection.Origin)),
                    { Refusal: { } refusal } => ServerFrames.Error(send.ReqId, refusal.Code, refusal.Message),
                    _ => throw new InvalidOperationException("A send outcome holds neither a message nor a refusal."),
                });
                if (outcomes[i].Message is not null)
                {
                    metrics.Acked(Stopwatch.GetElapsedTime(send.Started));
                }
            }
            catch (Exception ex)
            {
                connection.Reply(FailureFrame(connection, send.ReqId, ex));
            }
        }
    }

    /// <summary>
    /// An unexpected failure of a request (or what <see cref="DeliverSendsAsync"/> threw past its
    /// own handling): logged at Error within the gateway's budget (<see cref="ErrorLogThrottle"/>).
    /// </summary>
    internal void LogUnexpected(ClientConnection connection, Exception exception)
    {
        if (errorLogs.TryLog(out var suppressed))
        {
            LogFailed(connection.DeviceKey, suppressed, exception);
        }
    }

    /// <summary>
    /// The send as the chat gets it. Content the edge refuses still goes to the chat, as a
    /// refusal: a retry of a stored message gets the original whatever its new content, and only
    /// the chat knows what it stored.
    /// </summary>
    private static SendMessageCommand ReadSendCommand(ClientConnection connection, FrameReader request)
    {
        var clientMsgId = request.RequiredString("client_msg_id");
        if (clientMsgId.Length > 128)
        {
            throw ChatException.BadRequest("client_msg_id must be 1 to 128 characters.");
        }

        try
        {
            return ReadSend(connection, request, clientMsgId);
        }
        catch (ChatException ex)
        {
            return SendMessageCommand.Refused(connection.UserId, connection.DeviceId, clientMsgId, ex);
        }
    }

    private static SendMessageCommand ReadSend(ClientConnection connection, FrameReader request, string clientMsgId)
    {
        var options = connection.Options;

        var text = request.OptionalString("text");
        var mediaIds = request.OptionalStringArray("media_ids");
        if (string.IsNullOrEmpty(text) && mediaIds.Count == 0)
        {
            throw ChatException.BadRequest("A message needs text or media.");
        }

        if (text is not null && text.EnumerateRunes().Count() > options.MaxTextCodePoints)
        {
            throw new ChatException(ErrorCodes.TooLarge, $"text may hold at most {options.MaxTextCodePoints} characters.");
        }

        if (mediaIds.Count > options.MaxMediaPerMessage)
        {
            throw ChatException.BadRequest($"A message carries at most {options.MaxMediaPerMessage} media.");
        }

        return new SendMessageCommand(
            connection.UserId, connection.DeviceId, clientMsgId,
            string.IsNullOrEmpty(text) ? null : text, mediaIds, request.OptionalString("parent_message_id"));
    }

    /// <summary>
    /// The send budget (per device and per user, see <see cref="SendRateLimiter"/>) of every frame
    /// that writes to a chat: <c>send_message</c>, <c>delete_message</c>, <c>edit_message</c>,
    /// <c>add_reaction</c>, <c>remove_reaction</c>. Throws <c>rate_limited</c> when spent.
    /// </summary>
    private void CheckSendBudget(ClientConnection connection)
    {
        if (rateLimiter.TryAcquire(connection.UserId, connection.DeviceKey) is { } retryAfter)
        {
            throw new RateLimitedException(retryAfter, RateLimitBudgets.Send, "Too many messages: slow down.");
        }
    }

    /// <summary>A send waiting in its connection's <see cref="SendPipeline{TSend}"/>: the command, the frame's <c>req_id</c> and when it came.</summary>
    internal sealed record QueuedSend(SendMessageCommand Command, JsonElement? ReqId, long Started);
}
