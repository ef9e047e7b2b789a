using System.Data.Common;

namespace ChatOrleans.Grains.Storage;

/// <summary>
/// The messages table's row, shared by SQLite and PostgreSQL: the columns of <see cref="Columns"/>,
/// in that order, times as UTC ticks. Only the two list columns differ in how they are stored
/// (a JSON array in SQLite, <c>text[]</c> in PostgreSQL), so each store passes its list reader.
/// </summary>
internal static class MessageRows
{
    public const string Columns =
        "message_id, chat_id, seq, sender_id, sender_device_id, client_msg_id, text, mentions, media_ids, parent_message_id, created_at, deleted_at";

    private const int DeletedAtColumn = 11;

    /// <summary>Refuses an append that carries a message of another chat.</summary>
    public static void ThrowIfOtherChat(string chatId, IReadOnlyList<ChatMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.ChatId != chatId)
            {
                throw new ArgumentException($"Message {message.MessageId} belongs to chat {message.ChatId}, not {chatId}.", nameof(messages));
            }
        }
    }

    public static ChatMessage Read(DbDataReader reader, Func<DbDataReader, int, string[]> readList) => new(
        MessageId: reader.GetString(0),
        ChatId: reader.GetString(1),
        Seq: reader.GetInt64(2),
        SenderId: reader.GetString(3),
        SenderDeviceId: reader.GetString(4),
        ClientMsgId: reader.GetString(5),
        Text: reader.IsDBNull(6) ? null : reader.GetString(6),
        Mentions: readList(reader, 7),
        MediaIds: readList(reader, 8),
        ParentMessageId: reader.IsDBNull(9) ? null : reader.GetString(9),
        CreatedAt: FromStored(reader.GetInt64(10)));

    /// <summary>The message with its deletion time, null while it is not deleted.</summary>
    public static StoredMessage ReadStored(DbDataReader reader, Func<DbDataReader, int, string[]> readList)
    {
        var deletedAt = reader.IsDBNull(DeletedAtColumn) ? (DateTimeOffset?)null : FromStored(reader.GetInt64(DeletedAtColumn));
        return new StoredMessage(Read(reader, readList), deletedAt);
    }

    public static long ToStored(DateTimeOffset value) => value.UtcTicks;

    public static DateTimeOffset FromStored(long ticks) => new(ticks, TimeSpan.Zero);
}
