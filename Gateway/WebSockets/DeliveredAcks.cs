namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// A connection's unconfirmed <c>delivered</c> acks on their way to its DeviceGrain. At most one
/// call is in flight: the first ack goes at once, and acks that arrive meanwhile are merged (the
/// highest seq per chat) into the next call. An idle device pays no delay; a busy one pays one
/// grain call per round trip instead of one per message.
/// </summary>
public sealed partial class DeliveredAcks(IDeviceGrain device, ILogger logger, string deviceKey)
{
    private readonly Lock _lock = new();
    private Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource? _drained;

    /// <summary>Adds an ack already clamped to what this connection sent the device.</summary>
    public void Note(string chatId, long seq)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(chatId, out var known) || seq > known)
            {
                _pending[chatId] = seq;
            }

            if (_drained is not null)
            {
                return;
            }

            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _ = FlushAsync();
    }

    /// <summary>Completes when every ack noted so far has reached the DeviceGrain (or failed).</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return _drained?.Task ?? Task.CompletedTask;
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            Dictionary<string, long> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    var drained = _drained;
                    _drained = null;
                    drained?.TrySetResult();
                    return;
                }

                batch = _pending;
                _pending = new(StringComparer.Ordinal);
            }

            try
            {
                await device.NoteDeliveredMany(batch.Select(p => new ChatPosition(p.Key, p.Value)).ToList());
            }
            catch (Exception ex)
            {
                // Unconfirmed acks may be lost; the device is then replayed these messages again,
                // which clients drop by (chat_id, seq).
                LogAcksLost(deviceKey, batch.Count, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Unconfirmed delivered acks of {DeviceKey} for {Chats} chats were not stored")]
    private partial void LogAcksLost(string deviceKey, int chats, Exception exception);
}
