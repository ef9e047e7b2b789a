using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Notifications;

/// <summary>The notification pipeline's timing and limits (configuration section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>
    /// How long an alert waits before its push goes out: messages arriving meanwhile join the
    /// same push, and what the user read meanwhile on any device is dropped.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, ErrorMessage = "Notifications:CoalesceDelay must not be negative.")]
    public TimeSpan CoalesceDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A connected device that sent nothing for this long is idle: its user is pushed as if it were offline.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Notifications:DeviceIdleAfter must be positive.")]
    public TimeSpan DeviceIdleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Groups with more members than this default to level <c>mentions</c> for members who did
    /// not choose a level, so a plain message contacts only the members who chose <c>all</c>.
    /// </summary>
    public int LargeGroupThreshold { get; set; } = 1_000;

    /// <summary>
    /// How old a user's unread count in a large group (whose plain messages reach only the members
    /// who chose <c>all</c>) may be when the badge is computed before it is counted again: the
    /// badge follows such groups within this long, and a user in many of them costs one count per
    /// group per period, not per message.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, ErrorMessage = "Notifications:LargeGroupUnreadRefresh must not be negative.")]
    public TimeSpan LargeGroupUnreadRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The length of one unit of a user's <c>email_delay_minutes</c>: a minute; tests shorten it.</summary>
    public TimeSpan EmailDelayUnit { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Period of the durable reminder a user's pipeline holds while anything is pending: after a
    /// restart the pipeline is woken within this long. Orleans' minimum is lowered to it when shorter.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Notifications:ReminderPeriod must be positive.")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Devices with a push token per user at most. A new device over it makes the pipeline forget
    /// the one whose token was registered longest ago (most likely a phone long gone), so a
    /// user's stored state stays small however many device ids a client makes up.
    /// </summary>
    public int MaxPushDevices { get; set; } = 50;

    /// <summary>Longest message text in a push preview, in characters.</summary>
    public int PreviewLength { get; set; } = 120;

    /// <summary>Pushes and emails waiting for a dispatcher worker at most; beyond it items stay in their user's outbox and are handed over later.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Notifications:DispatchQueueCapacity must be at least 1.")]
    public int DispatchQueueCapacity { get; set; } = 10_000;

    /// <summary>Sends in flight at once, per silo.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Notifications:DispatchWorkers must be at least 1.")]
    public int DispatchWorkers { get; set; } = 8;

    /// <summary>How long one push or email send may take before it is abandoned and retried.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Notifications:SendTimeout must be positive.")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per push or email before it is given up.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Notifications:MaxAttempts must be at least 1.")]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Delay before the first retry; each later retry waits twice as long.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an outbox item handed to the dispatcher may stay unreported before the pipeline hands it over again.</summary>
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Checks <see cref="NotificationOptions"/> when the silo starts.</summary>
[OptionsValidator]
public sealed partial class NotificationOptionsValidator : IValidateOptions<NotificationOptions>;
