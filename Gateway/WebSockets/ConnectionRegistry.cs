using System.Collections.Concurrent;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>The sockets of this gateway by device: a second connection of a device replaces the first.</summary>
public sealed class ConnectionRegistry
{
    public ConnectionRegistry(ChatMetrics metrics)
    {
        // Read at each scrape only: nothing is counted on the send path for them.
        metrics.Meter.CreateObservableGauge("chatorleans.connections.devices", () => Count, "{device}", "Devices with a socket on this gateway now.");
        metrics.Meter.CreateObservableGauge("chatorleans.connections.send_queue.bytes", () => QueuedBytes, "By", "Bytes queued for this gateway's sockets now (enqueued minus written).");
    }

    private readonly ConcurrentDictionary<string, ClientConnection> _byDevice = new();

    private long _largestQueueBytes;

    public int Count => _byDevice.Count;

    /// <summary>
    /// The connections, enumerated without a lock or a copy (some may end or begin meanwhile):
    /// <c>Values</c> would lock every bucket and copy them all.
    /// </summary>
    internal IEnumerable<ClientConnection> Connections
    {
        get
        {
            foreach (var pair in _byDevice)
            {
                yield return pair.Value;
            }
        }
    }

    /// <summary>Bytes queued for all of this gateway's sockets now (enqueued minus written).</summary>
    public long QueuedBytes => _byDevice.Values.Sum(c => c.QueuedBytes);

    /// <summary>
    /// The most bytes any one socket of this gateway has held queued since the process started,
    /// ended sockets included: what the send-queue bound (Gateway:SendQueueBytes) keeps in check.
    /// Each socket keeps its own high-water mark, so sends share no counter.
    /// </summary>
    public long LargestQueueBytes => Math.Max(
        Interlocked.Read(ref _largestQueueBytes),
        _byDevice.Values.Select(c => c.PeakQueuedBytes).DefaultIfEmpty(0).Max());

    /// <summary>The connection of a device (user id and device id, see <c>ChatIds.DeviceKey</c>) on this gateway, if any.</summary>
    public ClientConnection? Find(string deviceKey) => _byDevice.GetValueOrDefault(deviceKey);

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

    /// <summary>A socket ended: its queue's high-water mark joins the gateway's.</summary>
    internal void NoteEnded(ClientConnection connection)
    {
        var peak = connection.PeakQueuedBytes;
        var seen = Interlocked.Read(ref _largestQueueBytes);
        while (peak > seen)
        {
            var found = Interlocked.CompareExchange(ref _largestQueueBytes, peak, seen);
            if (found == seen)
            {
                break;
            }

            seen = found;
        }
    }
}
