using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Hosting;

/// <summary>Tuning of the event streams that carry chat and user events to gateways (section <c>EventStreams</c>).</summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "EventStreams";

    /// <summary>Queues per provider; each has one pulling agent.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "EventStreams:Queues must be at least 1.")]
    public int Queues { get; set; } = 4;

    /// <summary>
    /// How long an agent waits after finding its queue empty. Orleans' default of 100 ms would
    /// dominate end-to-end latency.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "EventStreams:PollPeriod must be positive.")]
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(5);
}

/// <summary>Checks <see cref="EventStreamOptions"/> while the silo is built (they shape the stream provider).</summary>
[OptionsValidator]
public sealed partial class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>;
