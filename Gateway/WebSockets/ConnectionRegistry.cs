using System.Collections.Concurrent;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>The sockets of this gateway by device: a second connection of a device replaces the first.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientConnection> _byDevice = new();

    public int Count => _byDevice.Count;

    /// <summary>Adds the connection and returns the one it replaces, if any.</summary>
    public ClientConnection? Register(ClientConnection connection)
    {
        ClientConnection? previous = null;
        _byDevice.AddOrUpdate(
            connection.DeviceKey,
            connection,
            (_, existing) =>
            {
                previous = existing;
                return connection;
            });
        return previous;
    }

    /// <summary>Closes every socket with 1001 (going away): the process is stopping; devices reconnect elsewhere.</summary>
    public void CloseAll()
    {
        foreach (var connection in _byDevice.Values)
        {
            connection.RequestClose((int)System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
        }
    }

    public void Unregister(ClientConnection connection) =>
        _byDevice.TryRemove(new KeyValuePair<string, ClientConnection>(connection.DeviceKey, connection));
}
