using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatOrleans.Client;

// Client → server frames. Each request gets a fresh req_id and waits for its ack/pong/error. Frames are queued on
// one SemaphoreSlim, whose async waiters are served first-come first-served, so they leave in call order: every
// public method reaches the semaphore before its first await.
public sealed partial class ChatConnection
{
    /// <summary><c>send_message</c>: sends a message and waits for its ack.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="clientMsgId">The idempotency key: the same key in the same chat returns the original message.</param>
    /// <param name="text">The text; may be <c>null</c> when there is media.</param>
    /// <param name="mediaIds">Ready media of the sender to attach.</param>
    /// <param name="parentMessageId">The message replied to.</param>
    /// <param name="cancellationToken">Cancels the wait (the frame may already be sent).</param>
    /// <returns>The stored message (the original one on a repeat).</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public async Task<Message> SendMessageAsync(
        string chatId, string clientMsgId, string? text, IEnumerable<string>? mediaIds = null, string? parentMessageId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatId);
        ArgumentNullException.ThrowIfNull(clientMsgId);
        string[]? media = mediaIds?.ToArray();
        AckEvent ack = await RequestAsync(
            "send_message", (chatId, clientMsgId, text, media, parentMessageId),
            static (w, s) =>
            {
                w.WriteString("chat_id"u8, s.chatId);
                w.WriteString("client_msg_id"u8, s.clientMsgId);
                if (s.text is not null)
                {
                    w.WriteString("text"u8, s.text);
                }

                if (s.media is not null)
                {
                    w.WriteStartArray("media_ids"u8);
                    foreach (string id in s.media)
                    {
                        w.WriteStringValue(id);
                    }

                    w.WriteEndArray();
                }

                if (s.parentMessageId is not null)
                {
                    w.WriteString("parent_message_id"u8, s.parentMessageId);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return ack.GetMessage();
    }

    /// <summary><c>delete_message</c>: deletes one of the caller's messages.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="messageId">The message.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ack.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public Task<AckEvent> DeleteMessageAsync(string chatId, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatId);
        ArgumentNullException.ThrowIfNull(messageId);
        return RequestAsync(
            "delete_message", (chatId, messageId),
            static (w, s) =>
            {
                w.WriteString("chat_id"u8, s.chatId);
                w.WriteString("message_id"u8, s.messageId);
            },
            cancellationToken);
    }

    /// <summary><c>mark_read</c>: moves the user's read position (never backwards).</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="seq">The read position.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ack.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public Task<AckEvent> MarkReadAsync(string chatId, long seq, CancellationToken cancellationToken = default) =>
        RequestAsync("mark_read", (chatId, seq), WriteChatSeq, cancellationToken);

    /// <summary><c>delivered</c> with a <c>req_id</c>: this device has everything up to <paramref name="seq"/>; waits for the ack.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="seq">The highest <c>seq</c> held (cumulative).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ack.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public Task<AckEvent> DeliveredAsync(string chatId, long seq, CancellationToken cancellationToken = default) =>
        RequestAsync("delivered", (chatId, seq), WriteChatSeq, cancellationToken);

    /// <summary><c>delivered</c> without a <c>req_id</c>: fire and forget, no answer expected.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="seq">The highest <c>seq</c> held (cumulative).</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendDeliveredAsync(string chatId, long seq, CancellationToken cancellationToken = default) =>
        SendFrameAsync(BuildFrame("delivered", null, (chatId, seq), WriteChatSeq), cancellationToken);

    /// <summary><c>typing</c> with a <c>req_id</c>; waits for the ack.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="state"><c>start</c> or <c>stop</c>; see <see cref="TypingStates"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ack.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c> (e.g. <c>forbidden</c> for a non-member).</exception>
    public Task<AckEvent> TypingAsync(string chatId, string state, CancellationToken cancellationToken = default) =>
        RequestAsync("typing", (chatId, state), WriteTyping, cancellationToken);

    /// <summary><c>typing</c> without a <c>req_id</c>: fire and forget.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="state"><c>start</c> or <c>stop</c>.</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendTypingAsync(string chatId, string state, CancellationToken cancellationToken = default) =>
        SendFrameAsync(BuildFrame("typing", null, (chatId, state), WriteTyping), cancellationToken);

    /// <summary><c>fetch_history</c>: history over the socket, as <see cref="ChatApiClient.GetMessagesAsync"/>.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="beforeSeq">The latest <paramref name="limit"/> below this <c>seq</c>.</param>
    /// <param name="afterSeq">The first <paramref name="limit"/> above this <c>seq</c>.</param>
    /// <param name="limit">Page size (server default 50, at most 200).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The messages, ascending by <c>seq</c>.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public async Task<IReadOnlyList<Message>> FetchHistoryAsync(
        string chatId, long? beforeSeq = null, long? afterSeq = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatId);
        AckEvent ack = await RequestAsync(
            "fetch_history", (chatId, beforeSeq, afterSeq, limit),
            static (w, s) =>
            {
                w.WriteString("chat_id"u8, s.chatId);
                if (s.beforeSeq is { } before)
                {
                    w.WriteNumber("before_seq"u8, before);
                }

                if (s.afterSeq is { } after)
                {
                    w.WriteNumber("after_seq"u8, after);
                }

                if (s.limit is { } l)
                {
                    w.WriteNumber("limit"u8, l);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return ack.GetMessages();
    }

    /// <summary><c>ping</c>: waits for the <c>pong</c>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The round-trip time.</returns>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        string reqId = NextRequestId();
        ServerEvent answer = await ExchangeAsync("ping", reqId, BuildFrame<object?>("ping", reqId, null, null), cancellationToken).ConfigureAwait(false);
        return answer is PongEvent
            ? Stopwatch.GetElapsedTime(started)
            : throw new InvalidDataException($"ping {reqId} was answered with {answer}, not pong.");
    }

    /// <summary>
    /// Any request: <c>{"type":…,"req_id":…, …fields}</c>, waiting for its ack. For protocol tests and types this library
    /// does not wrap yet.
    /// </summary>
    /// <param name="type">The frame's <c>type</c>.</param>
    /// <param name="fields">Further fields, written as given (after <c>type</c> and <c>req_id</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ack.</returns>
    /// <exception cref="ChatRequestException">The server answered with <c>error</c>.</exception>
    public Task<AckEvent> RequestAsync(string type, JsonObject? fields = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        return RequestAsync(type, fields, static (w, f) => WriteFields(w, f), cancellationToken);
    }

    /// <summary>Sends a frame without a <c>req_id</c> and without waiting for anything.</summary>
    /// <param name="type">The frame's <c>type</c>.</param>
    /// <param name="fields">Further fields, written as given.</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendAsync(string type, JsonObject? fields = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        return SendFrameAsync(BuildFrame(type, null, fields, static (w, f) => WriteFields(w, f)), cancellationToken);
    }

    /// <summary>Sends <paramref name="text"/> as one text frame, exactly as given (for malformed-input tests).</summary>
    /// <param name="text">The frame's content.</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendRawAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var frame = new PooledBufferWriter(Encoding.UTF8.GetMaxByteCount(text.Length));
        frame.Advance(Encoding.UTF8.GetBytes(text, frame.GetSpan()));
        return SendFrameAsync(frame, cancellationToken);
    }

    /// <summary>Sends bytes as one frame of the given type, unchecked (e.g. invalid UTF-8 in a text frame).</summary>
    /// <param name="payload">The frame's content.</param>
    /// <param name="messageType"><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendRawAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, CancellationToken cancellationToken = default)
    {
        var frame = new PooledBufferWriter(Math.Max(payload.Length, 1));
        payload.Span.CopyTo(frame.GetSpan(payload.Length));
        frame.Advance(payload.Length);
        return SendFrameAsync(frame, cancellationToken, messageType);
    }

    /// <summary>Sends <paramref name="payload"/> as one binary frame (the server must answer <c>error bad_request</c>).</summary>
    /// <param name="payload">The frame's content.</param>
    /// <param name="cancellationToken">Cancels waiting for the send queue.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    public Task SendBinaryAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return SendRawAsync(payload, WebSocketMessageType.Binary, cancellationToken);
    }

    /// <summary>A fresh request id for this connection (<c>r1</c>, <c>r2</c>, …), for hand-built frames.</summary>
    /// <returns>The id.</returns>
    public string NextRequestId() =>
        "r" + Interlocked.Increment(ref _lastRequestId).ToString(CultureInfo.InvariantCulture);

    private static void WriteChatSeq(Utf8JsonWriter w, (string chatId, long seq) s)
    {
        ArgumentNullException.ThrowIfNull(s.chatId);
        w.WriteString("chat_id"u8, s.chatId);
        w.WriteNumber("seq"u8, s.seq);
    }

    private static void WriteTyping(Utf8JsonWriter w, (string chatId, string state) s)
    {
        ArgumentNullException.ThrowIfNull(s.chatId);
        ArgumentNullException.ThrowIfNull(s.state);
        w.WriteString("chat_id"u8, s.chatId);
        w.WriteString("state"u8, s.state);
    }

    private static void WriteFields(Utf8JsonWriter w, JsonObject? fields)
    {
        if (fields is null)
        {
            return;
        }

        foreach ((string name, JsonNode? value) in fields)
        {
            w.WritePropertyName(name);
            if (value is null)
            {
                w.WriteNullValue();
            }
            else
            {
                value.WriteTo(w);
            }
        }
    }

    private static PooledBufferWriter BuildFrame<TState>(string type, string? reqId, TState state, Action<Utf8JsonWriter, TState>? body)
    {
        var frame = new PooledBufferWriter();
        try
        {
            using var writer = new Utf8JsonWriter(frame, ChatJson.WriterOptions);
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            if (reqId is not null)
            {
                writer.WriteString("req_id"u8, reqId);
            }

            body?.Invoke(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    private async Task<AckEvent> RequestAsync<TState>(string type, TState state, Action<Utf8JsonWriter, TState> body, CancellationToken cancellationToken)
    {
        string reqId = NextRequestId();
        ServerEvent answer = await ExchangeAsync(type, reqId, BuildFrame(type, reqId, state, body), cancellationToken).ConfigureAwait(false);
        return answer as AckEvent ?? throw new InvalidDataException($"{type} {reqId} was answered with {answer}, not ack.");
    }

    /// <summary>Registers <paramref name="reqId"/>, sends the frame and waits for the answer the receive loop routes back.</summary>
    private async Task<ServerEvent> ExchangeAsync(string type, string reqId, PooledBufferWriter frame, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<ServerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending.Add(reqId, answer);
        }

        // Registered before the check, so either Shutdown sees the request or the request sees the shutdown.
        if (_receiveEnded)
        {
            Forget(reqId);
            frame.Dispose();
            throw new ChatConnectionClosedException(CloseStatus, CloseStatusDescription, Failure);
        }

        try
        {
            await SendFrameAsync(frame, cancellationToken).ConfigureAwait(false);
            return await answer.Task.WaitAsync(_requestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Forget(reqId);
            throw new TimeoutException($"No answer to {type} (req_id {reqId}) within {_requestTimeout} on {DescribeConnection()}.");
        }
        catch
        {
            Forget(reqId);
            throw;
        }
    }

    private void Forget(string reqId)
    {
        lock (_pending)
        {
            _pending.Remove(reqId);
        }
    }

    /// <summary>Writes one frame when the send queue reaches it, then returns its buffer to the pool.</summary>
    private async Task SendFrameAsync(PooledBufferWriter frame, CancellationToken cancellationToken, WebSocketMessageType messageType = WebSocketMessageType.Text)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_receiveEnded)
                {
                    throw new ChatConnectionClosedException(CloseStatus, CloseStatusDescription, Failure);
                }

                // Not cancellable: cancelling a send half-way aborts the whole socket.
                await _socket.SendAsync(frame.WrittenMemory, messageType, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                throw new ChatConnectionClosedException(CloseStatus ?? _socket.CloseStatus, CloseStatusDescription ?? _socket.CloseStatusDescription, ex);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            frame.Dispose();
        }
    }
}
