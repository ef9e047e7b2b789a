namespace ChatOrleans.Grains.Notifications;

/// <summary>When the inbox wakes: the grain timer for the exact delays, the reminder as backstop, and the hand-over to the dispatcher.</summary>
public sealed partial class NotificationInboxGrain
{
    /// <summary>Hands the outbox to the dispatcher, arms the timer and keeps the reminder only while there is work.</summary>
    private async Task Continue()
    {
        HandOver(_time.GetUtcNow());
        Arm();
        if (!State.HasWork && _reminderRegistered != false)
        {
            var reminder = await this.GetReminder(ReminderName);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderRegistered = false;
        }
    }

    private async Task EnsureReminder()
    {
        if (_reminderRegistered == true)
        {
            return;
        }

        // Registered before the pending item is stored: a crash in between leaves a reminder that
        // finds nothing to do, never an item that nothing wakes.
        await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
        _reminderRegistered = true;
    }

    private void HandOver(DateTimeOffset now)
    {
        foreach (var push in State.OutboxPushes)
        {
            if (!ShouldHandOver(push.Id, now) || !_dispatcher.TryEnqueue(new PushWork(UserId, push)))
            {
                continue;
            }

            _handedOver[push.Id] = now;
        }

        foreach (var email in State.OutboxEmails)
        {
            if (!ShouldHandOver(email.Id, now) || !_dispatcher.TryEnqueue(new EmailWork(UserId, email)))
            {
                continue;
            }

            _handedOver[email.Id] = now;
        }
    }

    private bool ShouldHandOver(string id, DateTimeOffset now) =>
        !_handedOver.TryGetValue(id, out var at) || now - at >= _options.RedispatchAfter;

    /// <summary>One timer for the earliest of: the push delay, the email delay, an outbox item to hand over again.</summary>
    private void Arm()
    {
        DateTimeOffset? next = Earliest(State.PushDueAt, State.EmailDueAt);
        if (State.OutboxPushes.Count > 0 || State.OutboxEmails.Count > 0)
        {
            var now = _time.GetUtcNow();
            var retry = State.OutboxPushes.Select(p => p.Id).Concat(State.OutboxEmails.Select(e => e.Id))
                .Select(id => _handedOver.TryGetValue(id, out var at) ? at + _options.RedispatchAfter : now + _options.RetryBaseDelay)
                .Min();
            next = Earliest(next, retry);
        }

        if (next is null)
        {
            _timer?.Dispose();
            _timer = null;
            _timerDue = null;
            return;
        }

        if (_timer is not null && _timerDue == next)
        {
            return;
        }

        _timer?.Dispose();
        _timerDue = next;
        var due = next.Value - _time.GetUtcNow();
        _timer = this.RegisterGrainTimer(OnTimer, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private Task OnTimer()
    {
        _timer?.Dispose();
        _timer = null;
        _timerDue = null;
        return Process();
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);
}
