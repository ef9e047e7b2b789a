using ChatOrleans.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// One user's notification pipeline. Alerts from chats wait here (persisted) for a short
/// coalescing delay (push) or the user's email delay; at send time what the user read meanwhile
/// on any device is dropped, and pushes and emails go to the outbox, which the silo's
/// <see cref="NotificationDispatcher"/> drains off this grain's turn.
/// </summary>
/// <remarks>
/// The durable wake-up is an Orleans reminder, stored in the profile's own database (SQLite or
/// PostgreSQL; see SqliteReminderTable and PostgresReminderTable). It is registered before the
/// first pending item is stored and removed once nothing is pending, so a silo that stops or
/// dies with alerts waiting is followed by a silo that wakes this grain within
/// <see cref="NotificationOptions.ReminderPeriod"/>. While the grain is active a grain timer
/// keeps the exact, short delays; the reminder is only the backstop. Chosen over re-arming from a
/// scan at silo start because reminders already divide the work among live silos and notice a
/// silo that dies, not only one that restarts.
/// </remarks>
public sealed partial class NotificationInboxGrain : Grain, INotificationInboxGrain, IRemindable
{
    private const string ReminderName = "notifications";

    private readonly IPersistentState<NotificationInboxState> _state;
    private readonly NotificationDispatcher _dispatcher;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationInboxGrain> _logger;

    // Live presence, per device: the session and when the device last showed activity.
    private readonly Dictionary<string, (string SessionId, DateTimeOffset LastActive)> _presence = new(StringComparer.Ordinal);

    // Outbox items handed to the dispatcher by this activation, and when.
    private readonly Dictionary<string, DateTimeOffset> _handedOver = new(StringComparer.Ordinal);

    private IGrainTimer? _timer;
    private DateTimeOffset? _timerDue;
    private bool? _reminderRegistered;

    public NotificationInboxGrain(
        [PersistentState("notifications", StorageNames.GrainState)] IPersistentState<NotificationInboxState> state,
        NotificationDispatcher dispatcher,
        IOptions<NotificationOptions> options,
        TimeProvider time,
        ILogger<NotificationInboxGrain> logger)
    {
        _state = state;
        _dispatcher = dispatcher;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    private string UserId => this.GetPrimaryKeyString();

    private NotificationInboxState State => _state.State;

    private NotificationSettings Settings => State.Settings ?? NotificationSettings.Default;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.HasWork)
        {
            // Woken after a restart (by the reminder or any call): what is due goes out now.
            _reminderRegistered = true;
            Arm();
        }

        return Task.CompletedTask;
    }

    public Task<NotificationSettings> GetSettings() => Task.FromResult(Settings);

    public async Task<NotificationSettings> UpdateSettings(NotificationSettings settings)
    {
        State.Settings = settings;
        await _state.WriteStateAsync();
        return settings;
    }

    public async Task Alert(ChatAlert alert, bool mentionsOnly, UnreadSnapshot? unread)
    {
        NoteBatch(alert, unread);
        var me = UserId;
        var items = alert.Items
            .Where(i => i.SenderId != me && (!mentionsOnly || i.Mentions.Contains(me)))
            .Select(i => new PendingAlert(alert.ChatId, alert.Kind, alert.ChatName, i.Seq, i.SenderId, i.Text, i.Mentions.Contains(me), i.CreatedAt))
            .ToList();
        if (items.Count == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var settings = Settings;
        var changed = false;

        // A user active on some device sees the message there; only a push needs a token.
        if (settings.Push && !HasActiveDevice(now) && State.Devices.Values.Any(d => d.Token is not null))
        {
            State.PendingPush.AddRange(items);
            State.PushDueAt ??= now + _options.CoalesceDelay;
            changed = true;
        }

        // The email digest carries direct messages and mentions, whatever the presence: it goes
        // out only if they are still unread when the delay is over.
        if (settings.Email && settings.EmailAddress is not null)
        {
            var forEmail = items.Where(i => i.Kind == ChatKind.Direct || i.Mentioned).ToList();
            if (forEmail.Count > 0)
            {
                State.PendingEmail.AddRange(forEmail);
                State.EmailDueAt ??= now + (_options.EmailDelayUnit * settings.EmailDelayMinutes);
                changed = true;
            }
        }

        if (changed)
        {
            await EnsureReminder();
            await _state.WriteStateAsync();
            Arm();
        }
    }

    /// <summary>
    /// The read position moved: pending alerts of what is now read are dropped, and devices that
    /// were pushed a badge get the new one.
    /// </summary>
    private async Task DropReadAlerts(string chatId, long lastReadSeq, int badge)
    {
        var dropped = State.PendingPush.RemoveAll(p => p.ChatId == chatId && p.Seq <= lastReadSeq)
            + State.PendingEmail.RemoveAll(p => p.ChatId == chatId && p.Seq <= lastReadSeq);
        if (State.PendingPush.Count == 0)
        {
            State.PushDueAt = null;
        }

        if (State.PendingEmail.Count == 0)
        {
            State.EmailDueAt = null;
        }

        // Devices that show a badge we pushed get the new count, silently. Active devices
        // (the reading one among them) follow read_state on their socket instead.
        var now = _time.GetUtcNow();
        var updates = 0;
        foreach (var (deviceId, device) in State.Devices)
        {
            if (device.Token is null || !device.BadgeShown || device.LastBadge == badge || IsActive(deviceId, now))
            {
                continue;
            }

            State.OutboxPushes.Add(new OutgoingPush(
                NewId(), deviceId, device.Token, null, null, chatId, null, null, badge, Silent: true));
            device.LastBadge = badge;
            device.BadgeShown = badge > 0;
            updates++;
        }

        if (dropped == 0 && updates == 0)
        {
            return;
        }

        if (updates > 0)
        {
            await EnsureReminder();
        }

        await _state.WriteStateAsync();
        await Continue();
    }

    public async Task Dispatched(DispatchReport report)
    {
        _handedOver.Remove(report.OutgoingId);
        var push = State.OutboxPushes.Find(p => p.Id == report.OutgoingId);
        var removed = State.OutboxPushes.RemoveAll(p => p.Id == report.OutgoingId)
            + State.OutboxEmails.RemoveAll(e => e.Id == report.OutgoingId);
        if (report.InvalidToken && push is not null
            && State.Devices.TryGetValue(push.DeviceId, out var device) && device.Token == push.Token)
        {
            // The push service says the token is dead: forget it until the app registers a new one.
            LogTokenRemoved(UserId, push.DeviceId);
            device.Token = null;
            removed++;
        }

        if (removed > 0)
        {
            await _state.WriteStateAsync();
            await Continue();
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Process();

    private async Task Process()
    {
        var now = _time.GetUtcNow();
        var changed = false;
        if (State.PushDueAt is { } pushDue && pushDue <= now)
        {
            await FlushPushes(now);
            changed = true;
        }

        if (State.EmailDueAt is { } emailDue && emailDue <= now)
        {
            await FlushEmail(now);
            changed = true;
        }

        if (changed)
        {
            await _state.WriteStateAsync();
        }

        await Continue();
    }

    private static string NewId() => "n_" + Guid.CreateVersion7().ToString("N");
}
