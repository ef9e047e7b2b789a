namespace ChatOrleans;

/// <summary>A user's alert level for one chat: <c>all</c>, <c>mentions</c> or <c>none</c>.</summary>
[GenerateSerializer, Alias("ChatOrleans.NotificationLevel")]
public enum NotificationLevel
{
    All = 0,
    Mentions = 1,
    None = 2,
}
