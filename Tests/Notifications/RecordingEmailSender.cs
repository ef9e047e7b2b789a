using ChatOrleans.Notifications;

namespace ChatOrleans.Tests.Notifications;

/// <summary>A test double of the mail relay: records every email.</summary>
public sealed class RecordingEmailSender : IEmailSender
{
    private readonly Lock _gate = new();
    private readonly List<RecordedEmail> _sent = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _sent.Add(new RecordedEmail(message, DateTimeOffset.UtcNow));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return Task.CompletedTask;
    }

    public IReadOnlyList<RecordedEmail> SentTo(string address)
    {
        lock (_gate)
        {
            return _sent.Where(e => e.Message.To == address).ToList();
        }
    }

    public async Task<RecordedEmail> WaitForAsync(string address, Func<EmailMessage, bool> match)
    {
        using var cancel = new CancellationTokenSource(NotificationTestHelpers.Timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (SentTo(address).FirstOrDefault(e => match(e.Message)) is { } found)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The expected email did not arrive in time.");
            }
        }
    }
}

public sealed record RecordedEmail(EmailMessage Message, DateTimeOffset At);
