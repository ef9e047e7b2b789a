using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// This gateway's unconfirmed <c>delivered</c> acks, of all its devices, on their way to storage.
/// Acks are merged (the highest seq per device and chat), and every
/// <see cref="GatewayOptions.DeliveredAckDelay"/> the lot goes to <see cref="IDeliveryPositionsGrain"/>
/// in a few large calls.
/// </summary>
/// <remarks>
/// Why: a delivered ack is bookkeeping for a later replay. Sent to each DeviceGrain, one message to
/// a channel of ten thousand online members cost ten thousand grain calls and as many state writes,
/// more than the fan-out itself; batched, it costs a handful of calls and one multi-row write per
/// period, whatever the channel's size. A socket that closes or is replaced calls
/// <see cref="FlushAsync"/> before it unregisters, so a reconnect is never replayed what was acked.
/// Only a gateway crash inside the period loses acks; the device is then replayed those messages
/// again, which clients drop by (chat_id, seq).
/// </remarks>
// Not a GroupCommitter: acks merge per (device, chat) and go on a period, and nobody waits on one.
public sealed partial class DeliveredAckBatcher(IGrainFactory grains, IOptions<GatewayOptions> options, TimeProvider time, ILogger<DeliveredAckBatcher> logger)
    : BackgroundService
{
    /// <summary>Positions per grain call: large enough to amortise the call, small enough for a modest message.</summary>
    internal const int MaxPerCall = 2_000;

    private readonly Lock _lock = new();
    private readonly TimeSpan _period = options.Value.DeliveredAckDelay;
    private Dictionary<(string Device, string Chat), long> _pending = [];
    private TaskCompletionSource _nextFlush = NewSignal();
    private TaskCompletionSource _wake = NewSignal();
    private Task? _inFlight;
    private volatile bool _stopped;

    /// <summary>Adds an ack already clamped to what the device's connection sent it.</summary>
    public void Note(string deviceKey, string chatId, long seq)
    {
        lock (_lock)
        {
            ref var known = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, (deviceKey, chatId), out var exists);
            if (!exists || seq > known)
            {
                known = seq;
            }
        }
    }

    /// <summary>Sends what is pending now; completes when every ack noted before the call is stored (or was given up).</summary>
    public Task FlushAsync()
    {
        if (_stopped)
        {
            return FlushPendingAsync();
        }

        lock (_lock)
        {
            if (_pending.Count > 0)
            {
                _wake.TrySetResult();
                return _nextFlush.Task;
            }

            return _inFlight ?? Task.CompletedTask;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Task wake;
                lock (_lock)
                {
                    wake = _wake.Task;
                }

                // WhenAny does not throw when the delay is cancelled: the loop ends at its test.
                await Task.WhenAny(wake, Task.Delay(_period, time, stoppingToken)).ConfigureAwait(false);
                await FlushPendingAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // From now on each flush is sent by its caller.
            _stopped = true;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushPendingAsync().ConfigureAwait(false);
    }

    private async Task FlushPendingAsync()
    {
        Dictionary<(string Device, string Chat), long> batch;
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            batch = _pending;
            done = _nextFlush;
            _pending = [];
            _nextFlush = NewSignal();
            _wake = NewSignal();
            _inFlight = done.Task;
        }

        try
        {
            var positions = batch.Select(p => new DevicePosition(p.Key.Device, p.Key.Chat, p.Value)).ToList();
            var writer = grains.GetGrain<IDeliveryPositionsGrain>(0);
            await Task.WhenAll(positions.Chunk(MaxPerCall).Select(chunk => StoreAsync(writer, chunk))).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (_inFlight == done.Task)
                {
                    _inFlight = null;
                }
            }

            done.TrySetResult();
        }
    }

    private async Task StoreAsync(IDeliveryPositionsGrain writer, DevicePosition[] chunk)
    {
        try
        {
            await writer.Raise(chunk).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Unconfirmed acks may be lost; their devices are then replayed these messages again,
            // which clients drop by (chat_id, seq).
            LogAcksLost(chunk.Length, ex);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "{Count} unconfirmed delivered acks were not stored")]
    private partial void LogAcksLost(int count, Exception exception);
}
