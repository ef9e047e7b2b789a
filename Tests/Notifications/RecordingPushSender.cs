using ChatOrleans.Notifications;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// A test double of one push service: records every push it accepts, and can be told to hang
/// (until released or cancelled), to fail, or to call chosen tokens invalid.
/// </summary>
public sealed class RecordingPushSender(PushPlatform platform) : IPushSender
{
    private readonly Lock _gate = new();
    private readonly List<RecordedPush> _delivered = [];
    private readonly List<RecordedPush> _attempts = [];
    private readonly HashSet<string> _invalidTokens = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _hang;
    private volatile bool _fail;
    private int _hanging;

    public PushPlatform Platform { get; } = platform;

    /// <summary>Sends currently blocked inside a hang.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public void InvalidToken(string token)
    {
        lock (_gate)
        {
            _invalidTokens.Add(token);
        }
    }

    /// <summary>From now on every send blocks until <see cref="Release"/> (or its cancellation).</summary>
    public void Hang()
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hang = true;
    }

    public void Release()
    {
        _hang = false;
        _release.TrySetResult();
    }

    public bool Fail
    {
        get => _fail;
        set => _fail = value;
    }

    public async Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        var push = new RecordedPush(token, message, DateTimeOffset.UtcNow);
        Record(_attempts, push);
        if (_hang)
        {
            Interlocked.Increment(ref _hanging);
            try
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _hanging);
            }
        }

        if (_fail)
        {
            return PushOutcome.Failed;
        }

        lock (_gate)
        {
            if (_invalidTokens.Contains(token.Token))
            {
                return PushOutcome.InvalidToken;
            }
        }

        Record(_delivered, push);
        return PushOutcome.Delivered;
    }

    /// <summary>Pushes delivered to one token, in order.</summary>
    public IReadOnlyList<RecordedPush> DeliveredTo(string token)
    {
        lock (_gate)
        {
            return _delivered.Where(p => p.Token.Token == token).ToList();
        }
    }

    /// <summary>Every attempt to one token, delivered or not.</summary>
    public IReadOnlyList<RecordedPush> AttemptsTo(string token)
    {
        lock (_gate)
        {
            return _attempts.Where(p => p.Token.Token == token).ToList();
        }
    }

    /// <summary>Waits for a delivered push to <paramref name="token"/> that matches.</summary>
    public Task<RecordedPush> WaitForDeliveredAsync(string token, Func<PushMessage, bool> match, TimeSpan? timeout = null) =>
        WaitAsync(() => DeliveredTo(token).FirstOrDefault(p => match(p.Message)), timeout);

    /// <summary>Waits for an attempt (delivered or not) to <paramref name="token"/> that matches.</summary>
    public Task<RecordedPush> WaitForAttemptAsync(string token, Func<PushMessage, bool> match, TimeSpan? timeout = null) =>
        WaitAsync(() => AttemptsTo(token).FirstOrDefault(p => match(p.Message)), timeout);

    private async Task<RecordedPush> WaitAsync(Func<RecordedPush?> find, TimeSpan? timeout)
    {
        using var cancel = new CancellationTokenSource(timeout ?? NotificationTestHelpers.Timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (find() is { } found)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The expected push did not arrive in time.");
            }
        }
    }

    private void Record(List<RecordedPush> list, RecordedPush push)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            list.Add(push);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}

public sealed record RecordedPush(PushToken Token, PushMessage Message, DateTimeOffset At);
