namespace ChatOrleans.Grains.Batching;

/// <summary>What ends a batch of a <see cref="GroupCommitter{TItem, TResult}"/>, and where its commits run.</summary>
public sealed record GroupCommitOptions
{
    /// <summary>Items per batch at most; bounds the latency one batch adds to its first item.</summary>
    public required int MaxBatchItems { get; init; }

    /// <summary>
    /// The summed weight of a batch's items at most (with the queue's weigher; ignored without one).
    /// An item heavier than this on its own still goes, alone.
    /// </summary>
    public long MaxBatchWeight { get; init; } = long.MaxValue;

    /// <summary>
    /// Batches committed at once. With one, batches run strictly one after another, in the order
    /// their items were queued; with more, a batch's commit overlaps the next one's and only the
    /// order within a batch holds.
    /// </summary>
    public int MaxConcurrentBatches { get; init; } = 1;

    /// <summary>
    /// True: batches are committed on the thread pool, never on the thread that queued the item.
    /// False: the first batch starts on the caller's turn and every later one continues on the
    /// caller's scheduler, which is what a grain's single-threaded state needs.
    /// </summary>
    public bool RunOnThreadPool { get; init; }

    /// <summary>
    /// True: an idle queue starts its first batch after the caller's turn (a yield on the caller's
    /// scheduler), so everything queued in one turn goes in one batch: a connection's sends handed
    /// over together are one write. False: a lone item starts its batch within the call.
    /// </summary>
    public bool YieldBeforeFirstBatch { get; init; }
}
