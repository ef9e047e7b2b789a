using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Chats;

/// <summary>Limits and tuning of chats (configuration section <c>Chat</c>).</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>The most members a group may have.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Chat:MaxGroupMembers must be at least 1.")]
    public int MaxGroupMembers { get; set; } = 100_000;

    /// <summary>Read receipts go to the other members only in groups up to this size (and in direct chats).</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "Chat:MaxReceiptGroupSize must be 0 (direct chats only) or more.")]
    public int MaxReceiptGroupSize { get; set; } = 50;

    /// <summary>The most sends the chat writes in one log append when many queue up.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Chat:MaxWriteBatch must be at least 1.")]
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>How many recent (sender, client_msg_id) pairs the chat remembers to answer retries without the log.</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "Chat:DedupeCacheSize must be 0 or more.")]
    public int DedupeCacheSize { get; set; } = 2_048;

    /// <summary>The longest group name.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Chat:MaxNameLength must be at least 1.")]
    public int MaxNameLength { get; set; } = 100;

    /// <summary>Distinct @mentions resolved per message.</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "Chat:MaxMentions must be 0 or more.")]
    public int MaxMentions { get; set; } = 50;
}

/// <summary>Checks <see cref="ChatOptions"/> when the silo starts.</summary>
[OptionsValidator]
public sealed partial class ChatOptionsValidator : IValidateOptions<ChatOptions>;
