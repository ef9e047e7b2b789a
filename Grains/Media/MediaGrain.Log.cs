using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Media;

public sealed partial class MediaGrain
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Media {MediaId} is ready: {ContentType}, {SizeBytes} bytes, thumbnail {HasThumbnail}")]
    private partial void LogReady(string mediaId, string contentType, long sizeBytes, bool hasThumbnail);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Media {MediaId} was rejected: {Reason}")]
    private partial void LogRejected(string mediaId, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Media {MediaId}, created {CreatedAt} and never attached, was removed")]
    private partial void LogSwept(string mediaId, DateTimeOffset createdAt);
}
