namespace ChatOrleans.Gateway.Protocol;

/// <summary>The protocol's <c>chat</c> object, with <c>last_message</c> added for chat lists.</summary>
public sealed record ChatDto(
    string ChatId,
    string Kind,
    string? Name,
    string? OwnerId,
    IReadOnlyList<string> Members,
    int MemberCount,
    long LastSeq,
    long LastReadSeq,
    int UnreadCount,
    string Level,
    DateTimeOffset CreatedAt,
    MessageDto? LastMessage)
{
    /// <summary>The chat with its newest message, rendered with its media by <c>MediaLinks</c>.</summary>
    public static ChatDto From(ChatView view, MessageDto? lastMessage)
    {
        var c = view.Chat;
        return new ChatDto(
            c.ChatId,
            c.Kind == ChatKind.Direct ? "direct" : "group",
            c.Name,
            c.OwnerId,
            c.Members,
            c.MemberCount,
            c.LastSeq,
            view.LastReadSeq,
            view.UnreadCount,
            LevelName(view.Level),
            c.CreatedAt,
            lastMessage);
    }

    public static string LevelName(NotificationLevel level) => level switch
    {
        NotificationLevel.Mentions => "mentions",
        NotificationLevel.None => "none",
        _ => "all",
    };
}
