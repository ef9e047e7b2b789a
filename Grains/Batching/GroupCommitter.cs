using System.Threading.Channels;

namespace ChatOrleans.Grains.Batching;

/// <summary>
/// Group commit: items queued while a batch is being committed wait, and go together in the next
/// batch, so one durable write (one fsync, one round trip) serves many waiters. An idle queue
/// commits a lone item at once; nothing waits for a timer to fill a batch.
/// </summary>
/// <remarks>
/// <para>
/// Each item gets its own task, answered by the commit through <see cref="GroupCommitBatch{TItem, TResult}"/>:
/// a failing batch fails only its own items, and the next batch still runs. With
/// <see cref="GroupCommitOptions.MaxConcurrentBatches"/> at one, batches run one at a time in
/// queue order, and the next batch starts only after the last one's commit task ended (so what the
/// commit does after answering, such as publishing, is ordered too).
/// </para>
/// <para>
/// The queue is a <see cref="Channel{T}"/>; a batch is whatever the channel holds when the last
/// batch is done, up to the options' limits. No loop waits while the queue is empty: the first
/// item after a quiet spell starts one, and it ends when it finds nothing left. So an owner with
/// no shutdown of its own (a grain) holds nothing running once its writes are done; one that has
/// a shutdown calls <see cref="DisposeAsync"/>, which refuses new items and waits for the queued
/// ones to be committed. An item whose cancellation token fires before its batch starts is
/// dropped with a cancelled task; once its batch started, its outcome is reported.
/// </para>
/// <para>
/// Safe to use from many threads, and from one grain's scheduler (then with
/// <see cref="GroupCommitOptions.RunOnThreadPool"/> false, and it does not leave that scheduler:
/// hence no <c>ConfigureAwait(false)</c> here).
/// </para>
/// </remarks>
public sealed class GroupCommitter<TItem, TResult> : IAsyncDisposable
{
    private readonly Func<GroupCommitBatch<TItem, TResult>, Task> _commit;
    private readonly GroupCommitOptions _options;
    private readonly Func<TItem, long>? _weigh;

    // Many readers: a draining loop that is ending looks again while the next one may start.
    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = false });
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _draining;

    /// <param name="commit">Commits one batch and answers its items.</param>
    /// <param name="options">The batch limits.</param>
    /// <param name="weigh">An item's weight against <see cref="GroupCommitOptions.MaxBatchWeight"/> (rows, bytes); none: only the count limits.</param>
    public GroupCommitter(Func<GroupCommitBatch<TItem, TResult>, Task> commit, GroupCommitOptions options, Func<TItem, long>? weigh = null)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchItems, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchWeight, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentBatches, 1, nameof(options));
        _commit = commit;
        _options = options;
        _weigh = weigh;
    }

    /// <summary>Items queued and not yet in a batch.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>
    /// Queues <paramref name="item"/>; its task completes (or fails) as its batch's commit answers it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public Task<TResult> Enqueue(TItem item, CancellationToken cancellationToken = default)
    {
        var entry = new Entry(item, cancellationToken);
        var queued = _queue.Writer.TryWrite(entry);
        ObjectDisposedException.ThrowIf(!queued, this);

        if (TryTakeDrainSlot())
        {
            StartDraining();
        }

        return entry.Completion.Task;
    }

    /// <summary>Refuses new items and completes once every queued one has been committed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _queue.Reader.Completion;
        if (Volatile.Read(ref _draining) == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task;
    }

    private void StartDraining()
    {
        if (_options.RunOnThreadPool)
        {
            _ = Task.Run(DrainAsync);
        }
        else if (_options.YieldBeforeFirstBatch)
        {
            _ = DrainAfterYieldAsync();
        }
        else
        {
            _ = DrainAsync();
        }
    }

    private async Task DrainAfterYieldAsync()
    {
        await Task.Yield();
        await DrainAsync();
    }

    private bool TryTakeDrainSlot()
    {
        var current = Volatile.Read(ref _draining);
        while (current < _options.MaxConcurrentBatches)
        {
            var seen = Interlocked.CompareExchange(ref _draining, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private async Task DrainAsync()
    {
        Entry? carried = null;
        while (true)
        {
            var batch = NextBatch(ref carried);
            if (batch is not null)
            {
                await CommitAsync(batch);
            }
            else if (!KeepDraining())
            {
                return;
            }
        }
    }

    /// <summary>
    /// The next batch from the queue, or null when it is empty. An item that would break the weight
    /// limit is <paramref name="carried"/> over: it starts this loop's next batch, keeping the order.
    /// </summary>
    private List<Entry>? NextBatch(ref Entry? carried)
    {
        List<Entry>? batch = null;
        long weight = 0;
        while (batch is null || batch.Count < _options.MaxBatchItems)
        {
            Entry? next = carried;
            carried = null;
            if (next is null && !_queue.Reader.TryRead(out next))
            {
                break;
            }

            if (next.CancellationToken.IsCancellationRequested)
            {
                next.Completion.TrySetCanceled(next.CancellationToken);
                continue;
            }

            long itemWeight;
            try
            {
                itemWeight = _weigh?.Invoke(next.Item) ?? 0;
            }
            catch (Exception exception)
            {
                next.Completion.TrySetException(exception);
                continue;
            }

            if (batch is not null && weight + itemWeight > _options.MaxBatchWeight)
            {
                carried = next;
                break;
            }

            (batch ??= []).Add(next);
            weight += itemWeight;
        }

        return batch;
    }

    private async Task CommitAsync(List<Entry> entries)
    {
        var items = new TItem[entries.Count];
        var completions = new TaskCompletionSource<TResult>[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            items[i] = entries[i].Item;
            completions[i] = entries[i].Completion;
        }

        var batch = new GroupCommitBatch<TItem, TResult>(items, completions);
        try
        {
            await _commit(batch);
            batch.FailUnanswered(new InvalidOperationException("The batch's commit returned without answering every item."));
        }
        catch (Exception exception)
        {
            batch.FailUnanswered(exception);
        }
    }

    /// <summary>The queue looked empty: gives up this loop's slot, unless an item slipped in meanwhile.</summary>
    private bool KeepDraining()
    {
        var left = Interlocked.Decrement(ref _draining);

        // An item queued after the failed read may have found every slot taken: look once more.
        if (_queue.Reader.TryPeek(out _) && TryTakeDrainSlot())
        {
            return true;
        }

        if (left == 0 && _queue.Reader.Completion.IsCompleted)
        {
            _drained.TrySetResult();
        }

        return false;
    }

    private sealed class Entry(TItem item, CancellationToken cancellationToken)
    {
        public TItem Item { get; } = item;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        // Continuations run asynchronously, so a waiter never runs on the committing loop.
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
