using Orleans.Concurrency;

namespace ChatOrleans;

/// <summary>
/// One user (key: user id): profile, chat list, read positions shared by all their devices,
/// notification settings. The chat list is an index of the chats' own membership.
/// </summary>
[Alias("ChatOrleans.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    [Alias("Initialize")]
    Task<UserProfile> Initialize(string username, string displayName);

    [Alias("GetProfile")]
    Task<UserProfile?> GetProfile();

    [Alias("GetChats")]
    Task<IReadOnlyList<ChatView>> GetChats();

    [Alias("GetChat")]
    Task<ChatView> GetChat(string chatId);

    /// <summary>The user's chats with their read positions and levels. Interleaves: it only reads the list.</summary>
    [AlwaysInterleave, Alias("GetChatEntries")]
    Task<IReadOnlyList<UserChatEntry>> GetChatEntries();

    /// <summary>From the chat, after the membership is stored: adds the chat to the list and tells the user's devices.</summary>
    [Alias("JoinedChat")]
    Task JoinedChat(ChatInfo chat, DateTimeOffset joinedAt);

    /// <summary>From the chat, after the membership is stored: drops the chat and tells the user's devices.</summary>
    [Alias("LeftChat")]
    Task LeftChat(string chatId);

    /// <summary>Moves the read position forward (never back), clamped to the chat's last seq.</summary>
    [Alias("MarkRead")]
    Task<ReadState> MarkRead(string chatId, long seq);

    /// <summary>The sender's own send moved their read position: the chat passes the position and the unread count from it.</summary>
    [Alias("MarkReadBySend")]
    Task MarkReadBySend(UnreadSnapshot unread);

    [Alias("GetReadState")]
    Task<ReadState> GetReadState(string chatId);

    /// <summary>The read state of every chat whose read position moved at or after <paramref name="since"/>.</summary>
    [Alias("GetReadStatesMovedSince")]
    Task<IReadOnlyList<ReadState>> GetReadStatesMovedSince(DateTimeOffset since);

    [Alias("GetBadgeCount")]
    Task<int> GetBadgeCount();

    [Alias("SetChatLevel")]
    Task SetChatLevel(string chatId, NotificationLevel level);
}
