namespace ChatOrleans.Grains.Hosting;

/// <summary>Tuning of the event streams that carry chat and user events to gateways (section <c>EventStreams</c>).</summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "EventStreams";

    /// <summary>Queues per provider; each has one pulling agent.</summary>
    public int Queues { get; set; } = 4;

    /// <summary>
    /// How long an agent waits after finding its queue empty. Orleans' default of 100 ms would
    /// dominate end-to-end latency.
    /// </summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(5);
}
