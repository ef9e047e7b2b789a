namespace ChatOrleans.Gateway;

public static partial class GatewayApp
{
    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "ChatOrleans is serving on {Urls}; data folder: {DataFolder}")]
    private static partial void LogServing(ILogger logger, ICollection<string> urls, string dataFolder);
}
