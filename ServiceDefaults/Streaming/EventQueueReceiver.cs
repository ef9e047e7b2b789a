using Orleans.Streams;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// Reads one <see cref="IEventQueueGrain"/> for its pulling agent. An empty queue is not polled: the
/// read waits in the queue (up to <c>idleWait</c>) and takes the events once they are there, so an
/// event is read as soon as it is enqueued and an idle queue costs one call per <c>idleWait</c>.
/// Events are taken only by a read that will hand them to the agent: what the agent cancels when it
/// stops (its token, cancelled before it waits for its last read) is the wait, never the taking.
/// </summary>
internal sealed class EventQueueReceiver(IEventQueueGrain queue, TimeSpan idleWait) : IQueueAdapterReceiver
{
    /// <summary>The last read filled its batch: read again without waiting.</summary>
    private bool _mayHaveMore;

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (!_mayHaveMore && !await WaitForEvents(cancellationToken))
        {
            return [];
        }

        var taken = await queue.Dequeue(maxCount < 0 ? int.MaxValue : maxCount);
        _mayHaveMore = maxCount >= 0 && taken.Length >= maxCount;
        return taken;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

    public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;

    private async Task<bool> WaitForEvents(CancellationToken cancellationToken)
    {
        try
        {
            return await queue.WaitForEvents(idleWait, cancellationToken) && !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
