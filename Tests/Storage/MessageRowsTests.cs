using System.Data;
using System.Data.Common;
using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Tests.Storage;

/// <summary>The message row both stores read: column order, nulls, ticks, and the store's own list reader.</summary>
[Trait("Category", "Unit")]
public sealed class MessageRowsTests
{
    private static readonly DateTimeOffset Created = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    [Fact]
    public void ColumnsAreTheTablesInTheOrderTheReaderReadsThem() =>
        Assert.Equal(
            ["message_id", "chat_id", "seq", "sender_id", "sender_device_id", "client_msg_id", "text", "mentions", "media_ids", "parent_message_id", "created_at", "deleted_at"],
            MessageRows.Columns.Split(", "));

    [Fact]
    public void ReadsEveryColumnAndListsThroughTheStoresReader()
    {
        using var reader = Rows(("hello", "u2,u3", "m1", "p1", Created.AddHours(1).UtcTicks));
        Assert.True(reader.Read());

        var stored = MessageRows.ReadStored(reader, SplitList);

        var message = stored.Message;
        Assert.Equal("msg1", message.MessageId);
        Assert.Equal("c1", message.ChatId);
        Assert.Equal(7, message.Seq);
        Assert.Equal("u1", message.SenderId);
        Assert.Equal("d1", message.SenderDeviceId);
        Assert.Equal("k1", message.ClientMsgId);
        Assert.Equal("hello", message.Text);
        Assert.Equal(["u2", "u3"], message.Mentions);
        Assert.Equal(["m1"], message.MediaIds);
        Assert.Equal("p1", message.ParentMessageId);
        Assert.Equal(Created, message.CreatedAt);
        Assert.Equal(TimeSpan.Zero, message.CreatedAt.Offset);
        Assert.Equal(Created.AddHours(1), stored.DeletedAt);
    }

    [Fact]
    public void NullTextParentAndDeletionReadAsNull()
    {
        using var reader = Rows((null, "", "", null, null));
        Assert.True(reader.Read());

        var stored = MessageRows.ReadStored(reader, SplitList);

        Assert.Null(stored.Message.Text);
        Assert.Null(stored.Message.ParentMessageId);
        Assert.Empty(stored.Message.Mentions);
        Assert.Null(stored.DeletedAt);
    }

    [Fact]
    public void TicksRoundTripAsTheSameInstantInUtc()
    {
        var local = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(9);
        var back = MessageRows.FromStored(MessageRows.ToStored(local));
        Assert.Equal(local, back);
        Assert.Equal(TimeSpan.Zero, back.Offset);
    }

    [Fact]
    public void AnAppendWithAMessageOfAnotherChatIsRefused()
    {
        var ours = Message("c1", "a");
        var theirs = Message("c2", "b");
        MessageRows.ThrowIfOtherChat("c1", [ours]);
        var refused = Assert.Throws<ArgumentException>(() => MessageRows.ThrowIfOtherChat("c1", [ours, theirs]));
        Assert.Contains("Message b belongs to chat c2, not c1.", refused.Message, StringComparison.Ordinal);
    }

    private static ChatMessage Message(string chatId, string id) =>
        new(id, chatId, 1, "u1", "d1", "k-" + id, "t", [], [], null, Created);

    private static string[] SplitList(DbDataReader reader, int column) =>
        reader.GetString(column).Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static DataTableReader Rows((string? Text, string Mentions, string Media, string? Parent, long? DeletedAt) row)
    {
        var table = new DataTable();
        foreach (var column in MessageRows.Columns.Split(", "))
        {
            table.Columns.Add(column, column is "seq" or "created_at" or "deleted_at" ? typeof(long) : typeof(string));
        }

        table.Rows.Add(
            "msg1", "c1", 7L, "u1", "d1", "k1", (object?)row.Text ?? DBNull.Value, row.Mentions, row.Media,
            (object?)row.Parent ?? DBNull.Value, Created.UtcTicks, (object?)row.DeletedAt ?? DBNull.Value);
        return table.CreateDataReader();
    }
}
