using System.Diagnostics.Metrics;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// The project's own instruments (meter <c>ChatOrleans</c>, names under <c>chatorleans.</c>),
/// created once per process. Recording takes no allocation: no tags on the hot paths.
/// </summary>
/// <remarks>
/// Durations are in seconds (the OpenTelemetry convention; Prometheus shows them as
/// <c>…_seconds</c>). The latency buckets are fine at the low end, where the product's promise
/// is, so a P95 read from them is within a millisecond or two of the truth.
/// </remarks>
public sealed class ChatMetrics
{
    public const string MeterName = "ChatOrleans";

    /// <summary>
    /// Bucket bounds in seconds: 1, 2, 3, 5, 7, 10, 12.5, 15, 17.5, 20, 25, 30, 40, 50, 75, 100, 150,
    /// 200, 300, 500 ms, 1, 2.5, 5, 10 s: narrowest from 10 to 30 ms, where steady load sits.
    /// </summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.001, 0.002, 0.003, 0.005, 0.007, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];

    private static readonly IReadOnlyList<int> BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly Histogram<double> _deliveryLatency;
    private readonly Histogram<double> _sendAckLatency;
    private readonly Histogram<double> _appendLatency;
    private readonly Histogram<int> _appendBatch;
    private readonly Counter<long> _messagesSent;
    private readonly Histogram<double> _streamLag;
    private readonly Counter<long> _grainCalls;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _replayedFrames;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _notificationsSent;
    private readonly Counter<long> _notificationsFailed;

    public ChatMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _deliveryLatency = Latency(
            "chatorleans.delivery.latency",
            "From the chat grain accepting a message (its created_at) to its new_message frame written to a socket; one per socket.");
        _sendAckLatency = Latency(
            "chatorleans.send.ack.latency",
            "From the gateway reading a send_message frame to its ack queued for the sender.");
        _appendLatency = Latency(
            "chatorleans.log.append.latency",
            "One batched write of messages to the chat's log.");
        _appendBatch = Meter.CreateHistogram(
            "chatorleans.log.append.batch_size", "{message}",
            "Messages per log write.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _messagesSent = Meter.CreateCounter<long>(
            "chatorleans.messages.sent", "{message}",
            "Messages chats stored (and so will acknowledge); the denominator of grain calls per send.");
        _streamLag = Latency(
            "chatorleans.stream.lag",
            "From the chat grain accepting a message to this gateway receiving its event from the stream, once per event per gateway (before any socket).");
        _grainCalls = Meter.CreateCounter<long>(
            "chatorleans.grain.calls", "{call}",
            "Grain calls this silo received, by grain interface; divided by chatorleans.messages.sent it gives the grain calls a send costs.");
        _slowConsumers = Meter.CreateCounter<long>(
            "chatorleans.connections.slow_consumer_disconnects", "{connection}",
            "Sockets dropped because their send queue filled.");
        _replayedFrames = Meter.CreateCounter<long>(
            "chatorleans.replay.frames", "{frame}",
            "Frames sent as replay after a (re)connect, before sync_done.");
        _rateLimited = Meter.CreateCounter<long>(
            "chatorleans.rate_limit.refusals", "{request}",
            "Requests or frames refused with rate_limited; tag budget names which.");
        _notificationsSent = Meter.CreateCounter<long>(
            "chatorleans.notifications.sent", "{notification}",
            "Notifications handed to their channel; tag channel.");
        _notificationsFailed = Meter.CreateCounter<long>(
            "chatorleans.notifications.failed", "{notification}",
            "Notifications their channel refused or that could not be sent; tag channel.");
    }

    /// <summary>For the observable instruments a host adds over its own state (connected devices, queue bytes).</summary>
    public Meter Meter { get; }

    public void Delivered(DateTimeOffset createdAt, DateTimeOffset now) => _deliveryLatency.Record((now - createdAt).TotalSeconds);

    public void Acked(TimeSpan elapsed) => _sendAckLatency.Record(elapsed.TotalSeconds);

    public void Appended(TimeSpan elapsed, int messages)
    {
        _appendLatency.Record(elapsed.TotalSeconds);
        _appendBatch.Record(messages);
        _messagesSent.Add(messages);
    }

    /// <summary>An event reached this gateway's subscription; <paramref name="createdAt"/> is the oldest message it carries.</summary>
    public void StreamReceived(DateTimeOffset createdAt, DateTimeOffset now) => _streamLag.Record((now - createdAt).TotalSeconds);

    /// <summary>Tagged by interface only (a few dozen series per silo), not by method or grain key.</summary>
    public void GrainCalled(string grainInterface) => _grainCalls.Add(1, new KeyValuePair<string, object?>("interface", grainInterface));

    public void SlowConsumerDisconnected() => _slowConsumers.Add(1);

    public void Replayed(int frames) => _replayedFrames.Add(frames);

    public void RateLimited(string budget) => _rateLimited.Add(1, new KeyValuePair<string, object?>("budget", budget));

    public void NotificationSent(string channel) => _notificationsSent.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void NotificationFailed(string channel) => _notificationsFailed.Add(1, new KeyValuePair<string, object?>("channel", channel));

    /// <summary>A duration in seconds, in <see cref="LatencyBuckets"/>.</summary>
    private Histogram<double> Latency(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
}
