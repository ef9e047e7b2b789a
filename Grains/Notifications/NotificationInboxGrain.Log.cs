using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Notifications;

public sealed partial class NotificationInboxGrain
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "User {UserId}: the push service refused the token of device {DeviceId}; it is forgotten")]
    private partial void LogTokenRemoved(string userId, string deviceId);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "User {UserId}: device {DeviceId} had the oldest push token of more than {Max}; it is forgotten")]
    private partial void LogDeviceDropped(string userId, string deviceId, int max);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "User {UserId}: email digest of {Count} messages decided at {Now}")]
    private partial void LogEmailDigest(string userId, int count, DateTimeOffset now);
}
