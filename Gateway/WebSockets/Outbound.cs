namespace ChatOrleans.Gateway.WebSockets;

/// <summary>An item in a socket's send queue. Frames are serialised once and shared between sockets.</summary>
public abstract record Outbound
{
    private Outbound()
    {
    }

    /// <summary>The bytes this item holds, as counted against <see cref="GatewayOptions.SendQueueBytes"/>.</summary>
    public int Bytes => this switch
    {
        Frame f => f.Payload.Length,
        ChatFrame f => f.Payload.Length,
        NewMessage m => m.Payload.Length,
        MessageDeleted d => d.Payload.Length,
        _ => 0,
    };

    /// <summary>A frame for this socket as it is.</summary>
    public sealed record Frame(byte[] Payload) : Outbound;

    /// <summary>A frame about one chat: dropped when the device is no longer in the chat.</summary>
    public sealed record ChatFrame(string ChatId, byte[] Payload) : Outbound;

    /// <summary>
    /// A <c>new_message</c>: sent only in strictly increasing <c>seq</c> per chat, gaps filled
    /// from the log. <paramref name="CreatedAt"/> is when the chat grain accepted it, for the
    /// delivery-latency histogram.
    /// </summary>
    public sealed record NewMessage(string ChatId, long Seq, DateTimeOffset CreatedAt, byte[] Payload) : Outbound;

    /// <summary>A live <c>message_deleted</c>: only for a message this socket sent or the device had acknowledged.</summary>
    public sealed record MessageDeleted(string ChatId, long Seq, byte[] Payload) : Outbound;

    /// <summary>Fetch and send whatever the chat holds above what this socket has sent (after joining a chat).</summary>
    public sealed record CatchUp(string ChatId) : Outbound;
}
