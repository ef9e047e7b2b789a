namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// The send queue's bounds. It holds at most <see cref="GatewayOptions.SendQueueFrames"/>
/// items and <see cref="GatewayOptions.SendQueueBytes"/> bytes (payload bytes enqueued
/// minus bytes written); a device that lets either fill is disconnected as too slow and catches
/// up by replay. Requests with a large answer first wait for the queue to drain.
/// </summary>
public sealed partial class ClientConnection
{
    private long _queuedBytes;
    private long _inFlightBytes;
    private long _peakQueuedBytes;
    private TaskCompletionSource? _drained;

    /// <summary>Bytes queued for this socket now: enqueued and not yet written (the one being written included).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The most bytes this socket's queue has held.</summary>
    public long PeakQueuedBytes => Interlocked.Read(ref _peakQueuedBytes);

    /// <summary>Queues an item for the send loop; a full queue means the device stopped reading.</summary>
    public void Enqueue(Outbound item)
    {
        var bytes = item.Bytes;

        // What waits behind the frame being written. A frame larger than what is left (a history
        // answer may be megabytes) still goes when little waits: a reading client always gets it,
        // and a socket that stopped reading holds at most the bound plus that one answer.
        var waiting = Interlocked.Read(ref _queuedBytes) - Interlocked.Read(ref _inFlightBytes);
        if (waiting + bytes > _options.SendQueueBytes && waiting > _options.SendQueueDrainBytes)
        {
            DropAsSlow();
            return;
        }

        AddQueued(bytes);
        if (!_outbound.Writer.TryWrite(item))
        {
            AddQueued(-bytes);
            DropAsSlow();
        }
    }

    /// <summary>
    /// Back-pressure before a request with a large answer: true once the queue holds at most
    /// <see cref="GatewayOptions.SendQueueDrainBytes"/>; false when the connection ends
    /// meanwhile, or when it does not drain within <see cref="GatewayOptions.SendQueueDrainTimeout"/>
    /// (then the socket is dropped as too slow).
    /// </summary>
    internal async ValueTask<bool> WaitForSendQueueToDrainAsync()
    {
        var threshold = _options.SendQueueDrainBytes;
        if (QueuedBytes <= threshold)
        {
            return true;
        }

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A full fence, so the send loop either sees the waiter or we see what it wrote.
        Interlocked.Exchange(ref _drained, drained);
        try
        {
            if (QueuedBytes <= threshold)
            {
                return true;
            }

            await drained.Task.WaitAsync(_options.SendQueueDrainTimeout, _time, _stop.Token);
            return true;
        }
        catch (TimeoutException)
        {
            if (Volatile.Read(ref _closeRequested) == 0)
            {
                LogTooSlowToDrain(DeviceKey, QueuedBytes);
                _metrics.SlowConsumerDisconnected();
                Abort();
            }

            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            Interlocked.CompareExchange(ref _drained, null, drained);
        }
    }

    /// <summary>The send loop took an item and is writing it.</summary>
    private void Writing(Outbound item) => Interlocked.Exchange(ref _inFlightBytes, item.Bytes);

    /// <summary>The send loop wrote (or skipped) the item it took.</summary>
    private void Written(Outbound item)
    {
        Interlocked.Exchange(ref _inFlightBytes, 0);
        var left = AddQueued(-item.Bytes);
        if (Volatile.Read(ref _drained) is { } drained && left <= _options.SendQueueDrainBytes)
        {
            drained.TrySetResult();
        }
    }

    private long AddQueued(long bytes)
    {
        var now = Interlocked.Add(ref _queuedBytes, bytes);
        if (now > Interlocked.Read(ref _peakQueuedBytes))
        {
            // One writer wins a race; a high-water mark may miss the other's few bytes.
            Interlocked.Exchange(ref _peakQueuedBytes, now);
        }

        return now;
    }

    /// <summary>Releases what the queue holds at once: a closed socket keeps no frames alive.</summary>
    private void DropQueued()
    {
        while (_outbound.Reader.TryRead(out var item))
        {
            AddQueued(-item.Bytes);
        }
    }

    private void DropAsSlow()
    {
        if (Volatile.Read(ref _closeRequested) == 0)
        {
            LogSlowConsumer(DeviceKey, QueuedBytes);
            _metrics.SlowConsumerDisconnected();
            Abort();
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Device {DeviceKey} did not read its queued frames ({QueuedBytes} bytes) in time for its next request, disconnecting it")]
    private partial void LogTooSlowToDrain(string deviceKey, long queuedBytes);
}
