using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// The per-device budget for <c>fetch_history</c> (<see cref="GatewayOptions.HistoryFetchBurst"/>
/// refilled at <see cref="GatewayOptions.HistoryFetchesPerSecond"/>): each answer may be
/// megabytes, so a device may not ask for them without end.
/// </summary>
public sealed class HistoryRateLimiter(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly TokenBuckets _devices = new(options.Value.HistoryFetchesPerSecond, options.Value.HistoryFetchBurst);

    /// <summary>Null when allowed; otherwise how long to wait before the next try.</summary>
    public TimeSpan? TryAcquire(string deviceKey) => _devices.TryAcquire(deviceKey);

    public void Dispose() => _devices.Dispose();
}
