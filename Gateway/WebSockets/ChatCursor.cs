namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// One chat on one socket: the highest <c>seq</c> sent as <c>new_message</c>. Only the send
/// loop touches <see cref="LastSent"/>, so it needs no lock.
/// </summary>
public sealed class ChatCursor(long lastSent)
{
    public long LastSent { get; set; } = lastSent;
}
