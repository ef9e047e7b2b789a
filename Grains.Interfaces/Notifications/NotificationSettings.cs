namespace ChatOrleans;

/// <summary>
/// A user's notification settings (<c>PUT /me/notification-settings</c>): whether pushes and
/// email digests go out, where email goes, how long an unread direct message or mention waits
/// before it is emailed, and whether pushes show message text.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.NotificationSettings")]
public sealed record NotificationSettings(
    bool Push,
    bool Email,
    string? EmailAddress,
    int EmailDelayMinutes,
    bool Previews)
{
    /// <summary>The longest email delay a user may choose: one week.</summary>
    public const int MaxEmailDelayMinutes = 7 * 24 * 60;

    /// <summary>What a user who never chose has: pushes with previews, no email, 15 minutes when email is turned on.</summary>
    public static NotificationSettings Default { get; } = new(Push: true, Email: false, EmailAddress: null, EmailDelayMinutes: 15, Previews: true);
}
