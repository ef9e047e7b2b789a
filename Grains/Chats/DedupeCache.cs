using System.Diagnostics.CodeAnalysis;
using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The messages a chat wrote most recently, by (sender, <c>client_msg_id</c>): a retry of one of
/// them is answered from memory, without asking the log. Bounded by entry count; the oldest entry
/// leaves first. A key not here may still be stored (an older message, a new activation): the log
/// answers for those.
/// </summary>
internal sealed class DedupeCache(int capacity)
{
    private readonly Dictionary<ClientMessageKey, ChatMessage> _messages = [];
    private readonly Queue<ClientMessageKey> _order = new();

    public int Count => _messages.Count;

    public bool TryGet(ClientMessageKey key, [MaybeNullWhen(false)] out ChatMessage message) =>
        _messages.TryGetValue(key, out message);

    /// <summary>Keeps a written message; a key already held keeps its first message.</summary>
    public void Remember(ClientMessageKey key, ChatMessage message)
    {
        if (!_messages.TryAdd(key, message))
        {
            return;
        }

        _order.Enqueue(key);
        while (_order.Count > capacity)
        {
            _messages.Remove(_order.Dequeue());
        }
    }

    /// <summary>A deleted message's retry still gets the original, as the log keeps it: without its content.</summary>
    public void ForgetContent(ChatMessage deleted)
    {
        var key = new ClientMessageKey(deleted.SenderId, deleted.ClientMsgId);
        if (_messages.ContainsKey(key))
        {
            _messages[key] = deleted with { Text = null, Mentions = [], MediaIds = [] };
        }
    }
}
