using Orleans.Concurrency;

namespace ChatOrleans;

/// <summary>
/// One user's notification pipeline (key: user id): settings, the devices' push tokens and
/// presence, and the alerts waiting for their push or email. Alerts are persisted with a
/// durable wake-up, so a silo restart loses none; each message alerts a device at most once.
/// </summary>
/// <remarks>
/// The calls that come from the hot path or from presence changes are one-way: the caller never
/// waits for the pipeline.
/// </remarks>
[Alias("ChatOrleans.INotificationInboxGrain")]
public interface INotificationInboxGrain : IGrainWithStringKey
{
    [Alias("GetSettings")]
    Task<NotificationSettings> GetSettings();

    /// <summary>Stores the settings (already validated) and returns them.</summary>
    [Alias("UpdateSettings")]
    Task<NotificationSettings> UpdateSettings(NotificationSettings settings);

    /// <summary>
    /// Stores a device's push token, replacing any earlier one of that device. A user keeps at
    /// most <c>Notifications:MaxPushDevices</c> devices with tokens: the one registered longest
    /// ago is forgotten when a new device would go over it.
    /// </summary>
    [Alias("SetPushToken")]
    Task SetPushToken(string deviceId, PushTokenRegistration token);

    /// <summary>
    /// Forgets the device's push token (nothing to forget is fine): the device gets no more
    /// pushes, and pushes decided for it but not yet handed to a push service are dropped.
    /// </summary>
    [Alias("RemovePushToken")]
    Task RemovePushToken(string deviceId);

    /// <summary>
    /// From a chat after a durable write: messages this user may need to be alerted of. With
    /// <paramref name="mentionsOnly"/>, only those that mention the user count. The user's own
    /// messages never count. <paramref name="unread"/> is the user's unread count in the chat
    /// after the batch, when the chat knows it: the badge is kept from these.
    /// </summary>
    [OneWay, Alias("Alert")]
    Task Alert(ChatAlert alert, bool mentionsOnly, UnreadSnapshot? unread);

    /// <summary>
    /// From the user grain: the read position moved (on any device), with the chat's count after
    /// it. Pending alerts of what is now read are dropped; returns the badge.
    /// </summary>
    [Alias("ReadMoved")]
    Task<int> ReadMoved(UnreadSnapshot unread);

    /// <summary>The badge: the user's unread messages over their chats whose level is not <c>none</c>.</summary>
    [Alias("GetBadgeCount")]
    Task<int> GetBadgeCount();

    /// <summary>
    /// From the user grain: the user joined a chat or chose a level in it (<paramref name="level"/>),
    /// or left it (<c>null</c>). Awaited, so that a badge asked for after the change includes it.
    /// </summary>
    [Alias("ChatListChanged")]
    Task ChatListChanged(string chatId, NotificationLevel? level);

    /// <summary>From a chat: something no batch carries changed the user's unread count there (a deletion).</summary>
    [OneWay, Alias("UnreadChanged")]
    Task UnreadChanged(string chatId);

    /// <summary>A device's session started (it is online and active from now).</summary>
    [OneWay, Alias("DeviceOnline")]
    Task DeviceOnline(string deviceId, string sessionId);

    /// <summary>A device's session ended; ignored when a newer session of the device started since.</summary>
    [OneWay, Alias("DeviceOffline")]
    Task DeviceOffline(string deviceId, string sessionId);

    /// <summary>The device sent something: it is not idle. Gateways send this at most every few seconds per device.</summary>
    [OneWay, Alias("DeviceActive")]
    Task DeviceActive(string deviceId, string sessionId);

    /// <summary>The devices that count as present now: connected and not idle. While there is one, the user is not pushed.</summary>
    [Alias("GetActiveDevices")]
    Task<IReadOnlyList<string>> GetActiveDevices();

    /// <summary>From the silo's dispatcher: how an outgoing push or email ended.</summary>
    [OneWay, Alias("Dispatched")]
    Task Dispatched(DispatchReport report);
}

/// <summary>How one outgoing item ended: sent (or given up on after retries), or its push token is invalid.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.DispatchReport")]
public sealed record DispatchReport(string OutgoingId, bool InvalidToken);
