namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// Presence for the notification pipeline and the user's sessions (<see cref="IUserSessionsGrain"/>):
/// the device grain and the connection report the session's start and end; this reports activity, at most once per <see cref="GatewayOptions.ActivityReportInterval"/>,
/// so a device that keeps acting is never treated as idle and a busy one costs one call per interval.
/// </summary>
public sealed partial class ClientConnection
{
    private long _lastActivityReportTicks;

    internal void NoteActivity()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastActivityReportTicks);
        if (now - last < _options.ActivityReportInterval.Ticks
            || Interlocked.CompareExchange(ref _lastActivityReportTicks, now, last) != last)
        {
            return;
        }

        try
        {
            _ = _grains.GetGrain<INotificationInboxGrain>(UserId).DeviceActive(DeviceId, SessionId);
            _ = Sessions.Active(DeviceId, SessionId);
        }
        catch (Exception ex)
        {
            LogActivityReportFailed(DeviceKey, ex);
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Device {DeviceKey}: reporting activity failed")]
    private partial void LogActivityReportFailed(string deviceKey, Exception exception);
}
