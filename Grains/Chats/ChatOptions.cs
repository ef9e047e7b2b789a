namespace ChatOrleans.Grains.Chats;

/// <summary>Limits and tuning of chats (configuration section <c>Chat</c>).</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>The most members a group may have.</summary>
    public int MaxGroupMembers { get; set; } = 100_000;

    /// <summary>Read receipts go to the other members only in groups up to this size (and in direct chats).</summary>
    public int MaxReceiptGroupSize { get; set; } = 50;

    /// <summary>The most sends the chat writes in one log append when many queue up.</summary>
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>How many recent (sender, client_msg_id) pairs the chat remembers to answer retries without the log.</summary>
    public int DedupeCacheSize { get; set; } = 2_048;

    /// <summary>The longest group name.</summary>
    public int MaxNameLength { get; set; } = 100;

    /// <summary>Distinct @mentions resolved per message.</summary>
    public int MaxMentions { get; set; } = 50;
}
