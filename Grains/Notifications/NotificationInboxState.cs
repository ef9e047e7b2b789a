namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// A user's notification pipeline as stored: settings, devices, alerts waiting for their push or
/// email, and the outbox of pushes and emails decided but not yet reported sent. Presence is not
/// here: it is live state, rebuilt by the gateways' calls.
/// </summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.NotificationInboxState")]
public sealed class NotificationInboxState
{
    [Id(0)] public NotificationSettings? Settings { get; set; }
    [Id(1)] public Dictionary<string, InboxDevice> Devices { get; set; } = [];
    [Id(2)] public List<PendingAlert> PendingPush { get; set; } = [];
    [Id(3)] public DateTimeOffset? PushDueAt { get; set; }
    [Id(4)] public List<PendingAlert> PendingEmail { get; set; } = [];
    [Id(5)] public DateTimeOffset? EmailDueAt { get; set; }
    [Id(6)] public List<OutgoingPush> OutboxPushes { get; set; } = [];
    [Id(7)] public List<OutgoingEmail> OutboxEmails { get; set; } = [];

    public bool HasWork => PendingPush.Count > 0 || PendingEmail.Count > 0 || OutboxPushes.Count > 0 || OutboxEmails.Count > 0;
}

/// <summary>One device of the user as the pipeline knows it.</summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.InboxDevice")]
public sealed class InboxDevice
{
    [Id(0)] public PushTokenRegistration? Token { get; set; }

    /// <summary>The highest seq per chat this device was pushed: each message alerts a device at most once.</summary>
    [Id(1)] public Dictionary<string, long> AlertedUpTo { get; set; } = [];

    /// <summary>The device was pushed a badge that nothing cleared yet: reads elsewhere send it the new count.</summary>
    [Id(2)] public bool BadgeShown { get; set; }

    /// <summary>The badge the device was last pushed.</summary>
    [Id(3)] public int LastBadge { get; set; }

    /// <summary>When the token was last registered (apps register theirs at every start): the oldest goes first over the cap.</summary>
    [Id(4)] public DateTimeOffset TokenRegisteredAt { get; set; }
}

/// <summary>A message waiting for its push or email.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.Grains.PendingAlert")]
public sealed record PendingAlert(
    string ChatId,
    ChatKind Kind,
    string? ChatName,
    long Seq,
    string SenderId,
    string? Text,
    bool Mentioned,
    DateTimeOffset CreatedAt);

/// <summary>A push decided and stored, until the dispatcher reports it sent or given up.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.Grains.OutgoingPush")]
public sealed record OutgoingPush(
    string Id,
    string DeviceId,
    PushTokenRegistration Token,
    string? Title,
    string? Body,
    string? ChatId,
    string? SenderId,
    long? Seq,
    int Badge,
    bool Silent);

/// <summary>An email decided and stored, until the dispatcher reports it sent or given up.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.Grains.OutgoingEmail")]
public sealed record OutgoingEmail(string Id, string To, string Subject, string TextBody);
