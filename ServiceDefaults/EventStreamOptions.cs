using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// The event streams that carry chat and user events to gateways (section <c>EventStreams</c>).
/// Silos and the gateways' cluster clients read the same section: they must agree on the provider
/// and the queue count.
/// </summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "EventStreams";

    /// <summary>Which stream provider carries the events (see <see cref="EventStreamProvider"/>).</summary>
    public EventStreamProvider Provider { get; set; } = EventStreamProvider.Queue;

    /// <summary>Queues per provider; each has one pulling agent, spread over the silos.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "EventStreams:Queues must be at least 1.")]
    public int Queues { get; set; } = 4;

    /// <summary>
    /// How long a pulling agent waits before it reads its queue again once a read came back empty.
    /// With <see cref="EventStreamProvider.Memory"/> that is every poll of an idle queue, the floor of
    /// fan-out latency (Orleans' default of 100 ms would dominate it). With
    /// <see cref="EventStreamProvider.Queue"/> a read waits in the queue itself (<see cref="IdleWait"/>),
    /// so this only spaces the reads after a pause (a new stream's subscribers being looked up, a full cache).
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "EventStreams:PollPeriod must be positive.")]
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// <see cref="EventStreamProvider.Queue"/>: how long a read of an empty queue waits there for an
    /// event before it comes back empty. An idle queue costs one call per this period; an event that
    /// arrives meanwhile answers the waiting read at once. Kept well under Orleans' response timeout.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:00:10", MinimumIsExclusive = true, ErrorMessage = "EventStreams:IdleWait must be positive and at most 10 seconds.")]
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <see cref="EventStreamProvider.Queue"/>: events one queue holds before its agent has read them;
    /// a publish beyond it is refused (the memory provider's fixed limit is the same).
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "EventStreams:QueueCapacity must be at least 1.")]
    public int QueueCapacity { get; set; } = 16_384;

    /// <summary>
    /// <see cref="EventStreamProvider.Queue"/>: how long the pulling agent's cache keeps an event it has
    /// read and delivered. A subscription registers with the agent at once but starts only after the
    /// agent's handshake with the subscriber (a call to it); an event read in between is delivered
    /// from the cache if it is still there. Kept at most while the cache is less than half full.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "EventStreams:CacheRetention must be between 0 and 1 minute.")]
    public TimeSpan CacheRetention { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The stream providers the event streams can run on.</summary>
public enum EventStreamProvider
{
    /// <summary>
    /// Queue grains that answer a waiting read as soon as an event is enqueued
    /// (<c>ServiceDefaults/Streaming</c>): delivery does not wait for a poll, and an idle queue costs
    /// one call per <see cref="EventStreamOptions.IdleWait"/>.
    /// </summary>
    Queue,

    /// <summary>Orleans' memory streams: every queue is polled every <see cref="EventStreamOptions.PollPeriod"/>.</summary>
    Memory,
}

/// <summary>Checks <see cref="EventStreamOptions"/> while the silo or client is built (they shape the stream provider).</summary>
[OptionsValidator]
public sealed partial class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>;
