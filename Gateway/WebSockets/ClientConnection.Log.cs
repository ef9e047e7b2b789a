namespace ChatOrleans.Gateway.WebSockets;

public sealed partial class ClientConnection
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Device {DeviceKey} stopped reading: its send queue is full ({QueuedBytes} bytes), disconnecting it")]
    private partial void LogSlowConsumer(string deviceKey, long queuedBytes);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Connection of device {DeviceKey} failed")]
    private partial void LogConnectionFailed(string deviceKey, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Ending the session of device {DeviceKey} failed")]
    private partial void LogDisconnectFailed(string deviceKey, Exception exception);
}
