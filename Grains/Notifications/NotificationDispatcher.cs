using System.Threading.Channels;
using ChatOrleans.Notifications;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// The silo's one way out to the push services and the mail relay. Grains hand it work with
/// <see cref="TryEnqueue"/>, which never waits: the queue is bounded, and when it is full the
/// item simply stays in its user's outbox and is handed over again later. Workers send with a
/// timeout, retry failures with exponential backoff (without holding a worker while waiting),
/// and report each outcome to the user's pipeline, which then forgets the item (or the token the
/// push service refused). A slow or hanging service only fills this queue; sending messages never
/// touches it.
/// </summary>
// Not a GroupCommitter: each notification goes out alone; this is a bounded queue and a worker pool.
public sealed partial class NotificationDispatcher : BackgroundService
{
    private readonly Channel<DispatchWork> _queue;
    private readonly IGrainFactory _grains;
    private readonly Dictionary<PushPlatform, IPushSender> _pushSenders;
    private readonly IEmailSender _email;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ChatMetrics _metrics;
    private readonly ILogger<NotificationDispatcher> _logger;

    public NotificationDispatcher(
        IGrainFactory grains,
        IEnumerable<IPushSender> pushSenders,
        IEmailSender email,
        IOptions<NotificationOptions> options,
        TimeProvider time,
        ChatMetrics metrics,
        ILogger<NotificationDispatcher> logger)
    {
        _grains = grains;
        _pushSenders = new Dictionary<PushPlatform, IPushSender>();
        // The first sender registered for a platform wins: one registered before the silo's
        // defaults (a test's recording sender, a custom client) replaces the logging stand-in.
        foreach (var sender in pushSenders)
        {
            _pushSenders.TryAdd(sender.Platform, sender);
        }

        _email = email;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _queue = Channel.CreateBounded<DispatchWork>(new BoundedChannelOptions(Math.Max(1, _options.DispatchQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues the work if there is room; false when the queue is full (the caller keeps the item and tries later).</summary>
    public bool TryEnqueue(DispatchWork work) => _queue.Writer.TryWrite(work);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.DispatchWorkers)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendOnce(work, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Unreported items stay in their users' outboxes and go out after the restart.
        }
    }

    private async Task SendOnce(DispatchWork work, CancellationToken stoppingToken)
    {
        var attempt = work with { Attempts = work.Attempts + 1 };
        var (done, invalidToken) = await Attempt(attempt, stoppingToken);
        Count(attempt, done, invalidToken);
        if (done)
        {
            Report(attempt, invalidToken);
        }
        else if (attempt.Attempts >= _options.MaxAttempts)
        {
            LogGaveUp(attempt.UserId, attempt.OutgoingId, attempt.Attempts);
            Report(attempt, invalidToken: false);
        }
        else
        {
            _ = RetryLater(attempt, stoppingToken);
        }
    }

    /// <summary>One send within the send timeout: done unless it failed (an invalid token is done too).</summary>
    private async Task<(bool Done, bool InvalidToken)> Attempt(DispatchWork attempt, CancellationToken stoppingToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_options.SendTimeout);

            // WaitAsync bounds a sender that ignores its cancellation token, too.
            switch (attempt)
            {
                case PushWork push:
                    var outcome = await SendPush(push.Push, timeout.Token).WaitAsync(_options.SendTimeout, _time, stoppingToken);
                    return (outcome != PushOutcome.Failed, outcome == PushOutcome.InvalidToken);
                case EmailWork email:
                    var m = email.Email;
                    await _email.SendAsync(new EmailMessage(m.To, m.Subject, m.TextBody), timeout.Token).WaitAsync(_options.SendTimeout, _time, stoppingToken);
                    return (true, false);
                default:
                    return (true, false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogSendFailed(attempt.UserId, attempt.OutgoingId, attempt.Attempts, ex);
            return (false, false);
        }
    }

    private void Count(DispatchWork attempt, bool done, bool invalidToken)
    {
        // Channel: the push platform as registered (apns, fcm, webpush) or email.
        var channel = attempt is PushWork p ? p.Push.Token.Platform : "email";
        if (done && !invalidToken)
        {
            _metrics.NotificationSent(channel);
        }
        else
        {
            _metrics.NotificationFailed(channel);
        }
    }

    private Task<PushOutcome> SendPush(OutgoingPush push, CancellationToken cancellationToken)
    {
        var platform = push.Token.Platform switch
        {
            PushTokenRegistration.Apns => PushPlatform.Apns,
            PushTokenRegistration.Fcm => PushPlatform.Fcm,
            _ => PushPlatform.WebPush,
        };
        if (!_pushSenders.TryGetValue(platform, out var sender))
        {
            LogNoSender(platform);
            return Task.FromResult(PushOutcome.Failed);
        }

        var message = new PushMessage(push.Title, push.Body, push.ChatId, push.SenderId, push.Seq, push.Badge, push.Silent);
        return sender.SendAsync(new PushToken(platform, push.Token.Token), message, cancellationToken);
    }

    private async Task RetryLater(DispatchWork work, CancellationToken stoppingToken)
    {
        try
        {
            var delay = _options.RetryBaseDelay * Math.Pow(2, work.Attempts - 1);
            await Task.Delay(delay, _time, stoppingToken);
            if (!TryEnqueue(work))
            {
                // Full: the user's pipeline hands the item over again later.
                LogRetryDropped(work.UserId, work.OutgoingId);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Report(DispatchWork work, bool invalidToken)
    {
        try
        {
            _ = _grains.GetGrain<INotificationInboxGrain>(work.UserId).Dispatched(new DispatchReport(work.OutgoingId, invalidToken));
        }
        catch (Exception ex)
        {
            // Unreported, the item is handed over again later: a rare double rather than a loss.
            LogReportFailed(work.UserId, work.OutgoingId, ex);
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Notification {OutgoingId} of user {UserId}: attempt {Attempt} failed")]
    private partial void LogSendFailed(string userId, string outgoingId, int attempt, Exception exception);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Notification {OutgoingId} of user {UserId}: given up after {Attempts} attempts")]
    private partial void LogGaveUp(string userId, string outgoingId, int attempts);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "No push sender is registered for {Platform}")]
    private partial void LogNoSender(PushPlatform platform);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Debug, Message = "Notification {OutgoingId} of user {UserId}: the queue is full; its retry waits for the next hand-over")]
    private partial void LogRetryDropped(string userId, string outgoingId);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Warning, Message = "Notification {OutgoingId} of user {UserId}: reporting the outcome failed")]
    private partial void LogReportFailed(string userId, string outgoingId, Exception exception);
}
