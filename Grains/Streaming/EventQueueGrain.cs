using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Streaming;

/// <summary>
/// One event-stream queue in memory (see <see cref="IEventQueueGrain"/>). Placed on the silo of its
/// first caller, which is usually the pulling agent that reads it, so the agent's waiting read is a
/// local call. Its events live as long as the activation, as the memory provider's do, and move
/// with it when the activation migrates.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class EventQueueGrain(IOptions<EventStreamOptions> options, TimeProvider time) : Grain, IEventQueueGrain, IGrainMigrationParticipant
{
    private const string QueueKey = "queue";
    private const string NextKey = "next";

    private Queue<QueuedEvents> _queue = new();
    private TaskCompletionSource? _arrived;

    // Sequence numbers start at the activation's clock, so a queue that lost its activation (and its
    // events) still numbers after what the agents' caches hold.
    private long _next = time.GetUtcNow().UtcTicks;

    public Task Enqueue(QueuedEvents events)
    {
        if (_queue.Count >= options.Value.QueueCapacity)
        {
            throw new InvalidOperationException($"Event queue {this.GetPrimaryKeyString()} is full ({options.Value.QueueCapacity} batches).");
        }

        _queue.Enqueue(events with { SequenceNumber = _next++ });
        _arrived?.TrySetResult();
        _arrived = null;
        return Task.CompletedTask;
    }

    public Task<QueuedEvents[]> Dequeue(int maxCount)
    {
        var count = Math.Min(maxCount, _queue.Count);
        var taken = new QueuedEvents[count];
        for (var i = 0; i < count; i++)
        {
            taken[i] = _queue.Dequeue();
        }

        return Task.FromResult(taken);
    }

    public async Task<bool> WaitForEvents(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (_queue.Count > 0)
        {
            return true;
        }

        _arrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _arrived.Task.WaitAsync(maxWait, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Waiting reads end now rather than at their timeout; their agents read again elsewhere.
        _arrived?.TrySetResult();
        _arrived = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext)
    {
        dehydrationContext.TryAddValue(QueueKey, _queue.ToArray());
        dehydrationContext.TryAddValue(NextKey, _next);
    }

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue<QueuedEvents[]>(QueueKey, out var queued) && queued is not null)
        {
            _queue = new Queue<QueuedEvents>(queued);
        }

        if (rehydrationContext.TryGetValue<long>(NextKey, out var next))
        {
            _next = Math.Max(_next, next);
        }
    }
}
