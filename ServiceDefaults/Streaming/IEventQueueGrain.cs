using Orleans.Concurrency;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// One queue of the event streams (key: provider name and queue number): publishers enqueue, the
/// queue's pulling agent reads. A read of an empty queue waits in the queue for the next event
/// instead of polling; taking events is a separate call, so a wait abandoned by an agent that is
/// shutting down never takes events it would drop.
/// </summary>
[Alias("ChatOrleans.IEventQueueGrain")]
public interface IEventQueueGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="events"/> with the queue's next sequence number; refused when the queue is full.</summary>
    [Alias("Enqueue")]
    Task Enqueue(QueuedEvents events);

    /// <summary>Takes up to <paramref name="maxCount"/> batches, oldest first; none when the queue is empty.</summary>
    [Alias("Dequeue")]
    Task<QueuedEvents[]> Dequeue(int maxCount);

    /// <summary>
    /// True as soon as the queue holds an event (at once if it does already), false when
    /// <paramref name="maxWait"/> passes first or the caller cancels. Interleaves with the queue's
    /// other calls, so an enqueue answers it.
    /// </summary>
    [Alias("WaitForEvents"), AlwaysInterleave]
    Task<bool> WaitForEvents(TimeSpan maxWait, CancellationToken cancellationToken);
}
