namespace ChatOrleans.Grains.Storage;

/// <summary>
/// The log refused an append because a row with the same <c>(chat_id, seq)</c> or the same
/// <c>(chat_id, sender_id, client_msg_id)</c> exists: another activation wrote first. The chat
/// reloads from the log and retries; it never guesses.
/// </summary>
public sealed class SeqConflictException(string chatId, Exception? inner = null)
    : Exception($"The message log already holds a row this append claims in chat {chatId}.", inner)
{
    public string ChatId { get; } = chatId;
}
