using System.Collections.Concurrent;
using ChatOrleans.Grains.Batching;
using ChatOrleans.Tests.Chats;

namespace ChatOrleans.Tests.Batching;

/// <summary>
/// The group-commit queue under the chat log, the SQLite writer and the PostgreSQL append batcher:
/// what forms a batch, how each waiter hears its outcome, order, shutdown, and no item lost or
/// committed twice under many producers.
/// </summary>
[Trait("Category", "Unit")]
public sealed class GroupCommitterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ItemsQueuedWhileABatchIsInFlightGoTogetherInTheNextBatch(bool onThreadPool)
    {
        var commits = new HeldCommits();
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 100, RunOnThreadPool = onThreadPool });

        var first = queue.Enqueue(1);
        await commits.Started(1);
        var queued = new[] { queue.Enqueue(2), queue.Enqueue(3), queue.Enqueue(4) };
        Assert.Equal(3, queue.Queued);
        commits.Release();

        var results = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Timeout);
        Assert.Equal([10, 20, 30, 40], results);
        Assert.Equal([[1], [2, 3, 4]], commits.Batches);
        Assert.Equal(0, queue.Queued);
    }

    [Fact]
    public async Task ALoneItemOnAnIdleQueueIsCommittedAtOnce()
    {
        var commits = new HeldCommits();
        commits.Release();
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 100 });

        Assert.Equal(70, await queue.Enqueue(7).WaitAsync(Timeout));
        Assert.Equal(80, await queue.Enqueue(8).WaitAsync(Timeout));

        Assert.Equal([[7], [8]], commits.Batches);
    }

    [Fact]
    public async Task ABatchHoldsAtMostMaxBatchItems()
    {
        var commits = new HeldCommits();
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 2, RunOnThreadPool = true });

        var all = new List<Task<int>> { queue.Enqueue(0) };
        await commits.Started(1);
        for (var i = 1; i <= 5; i++)
        {
            all.Add(queue.Enqueue(i));
        }

        commits.Release();
        await Task.WhenAll(all).WaitAsync(Timeout);

        Assert.Equal([[0], [1, 2], [3, 4], [5]], commits.Batches);
    }

    [Fact]
    public async Task ABatchStaysWithinItsWeightAndAHeavierItemGoesAloneInOrder()
    {
        var commits = new HeldCommits();
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 100, MaxBatchWeight = 10, RunOnThreadPool = true }, weigh: item => item);

        var all = new List<Task<int>> { queue.Enqueue(1) };
        await commits.Started(1);
        foreach (var item in new[] { 4, 5, 2, 30, 3, 9 })
        {
            all.Add(queue.Enqueue(item));
        }

        commits.Release();
        await Task.WhenAll(all).WaitAsync(Timeout);

        // 4 + 5 fit, 2 would make 11: it starts the next batch; 30 is over the limit on its own.
        Assert.Equal([[1], [4, 5], [2], [30], [3], [9]], commits.Batches);
    }

    [Fact]
    public async Task TheNextBatchStartsOnlyAfterTheLastCommitEndedEvenWhenItsItemsAreAnswered()
    {
        var events = new List<string>();
        var handedOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = new GroupCommitter<int, int>(
            async batch =>
            {
                lock (events)
                {
                    events.Add($"commit {batch.Items[0]}");
                }

                batch.Complete(0, batch.Items[0]);
                if (batch.Items[0] == 1)
                {
                    await handedOn.Task; // what the owner does after the ack (publishing) comes first
                }
            },
            new GroupCommitOptions { MaxBatchItems = 1, RunOnThreadPool = true });

        Assert.Equal(1, await queue.Enqueue(1).WaitAsync(Timeout));
        var second = queue.Enqueue(2);
        await Task.Yield();
        Assert.False(second.IsCompleted);
        lock (events)
        {
            Assert.Equal(["commit 1"], events);
        }

        handedOn.SetResult();
        Assert.Equal(2, await second.WaitAsync(Timeout));
        Assert.Equal(["commit 1", "commit 2"], events);
    }

    [Fact]
    public async Task AnItemWhoseWeightCannotBeToldFailsAloneAndTheQueueCarriesOn()
    {
        var commits = new HeldCommits();
        commits.Release();
        await using var queue = commits.Queue(
            new GroupCommitOptions { MaxBatchItems = 10, MaxBatchWeight = 100, RunOnThreadPool = true },
            weigh: item => item < 0 ? throw new ArgumentOutOfRangeException(nameof(item)) : item);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.Enqueue(-1).WaitAsync(Timeout));
        Assert.Equal(50, await queue.Enqueue(5).WaitAsync(Timeout));
        Assert.Equal([[5]], commits.Batches);
    }

    [Fact]
    public async Task AFailingBatchFailsExactlyItsOwnItemsAndTheNextBatchStillRuns()
    {
        var failure = new IOException("disk full");
        var batches = new List<int[]>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = new GroupCommitter<int, int>(
            async batch =>
            {
                lock (batches)
                {
                    batches.Add([.. batch.Items]);
                }

                started.TrySetResult();
                await release.Task;
                if (batch.Items.Contains(2))
                {
                    throw failure;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch.Complete(i, batch.Items[i]);
                }
            },
            new GroupCommitOptions { MaxBatchItems = 2, RunOnThreadPool = true });

        var first = queue.Enqueue(1);
        await started.Task.WaitAsync(Timeout);
        var failing = new[] { queue.Enqueue(2), queue.Enqueue(3) };
        var after = queue.Enqueue(4);
        release.SetResult();

        Assert.Equal(1, await first.WaitAsync(Timeout));
        foreach (var task in failing)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => task.WaitAsync(Timeout)));
        }

        Assert.Equal(4, await after.WaitAsync(Timeout));
        Assert.Equal([[1], [2, 3], [4]], batches);
    }

    [Fact]
    public async Task EachItemGetsItsOwnAnswerAndOneLeftUnansweredFails()
    {
        var refused = new InvalidDataException("refused");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = new List<bool>();
        await using var queue = new GroupCommitter<string, string>(
            async batch =>
            {
                if (batch.Items[0] == "hold")
                {
                    await release.Task;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    switch (batch.Items[i])
                    {
                        case "hold":
                        case "ok":
                            batch.Complete(i, "stored");
                            batch.Complete(i, "ignored: the first answer wins");
                            break;
                        case "bad":
                            batch.Fail(i, refused);
                            break;
                    }
                }

                answered.AddRange(Enumerable.Range(0, batch.Count).Select(batch.IsAnswered));
            },
            new GroupCommitOptions { MaxBatchItems = 10 });

        var hold = queue.Enqueue("hold");
        var (ok, bad, forgotten) = (queue.Enqueue("ok"), queue.Enqueue("bad"), queue.Enqueue("forgotten"));
        release.SetResult();

        Assert.Equal("stored", await hold.WaitAsync(Timeout));
        Assert.Equal("stored", await ok.WaitAsync(Timeout));
        Assert.Same(refused, await Assert.ThrowsAsync<InvalidDataException>(() => bad.WaitAsync(Timeout)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => forgotten.WaitAsync(Timeout));
        Assert.Equal([true, true, true, false], answered);
    }

    [Fact]
    public async Task ACommitThatThrowsBeforeItsFirstAwaitFailsItsItemsAndTheQueueCarriesOn()
    {
        var calls = 0;
        await using var queue = new GroupCommitter<int, int>(
            batch =>
            {
                if (calls++ == 0)
                {
                    throw new InvalidDataException("at once");
                }

                batch.Complete(0, batch.Items[0]);
                return Task.CompletedTask;
            },
            new GroupCommitOptions { MaxBatchItems = 10 });

        await Assert.ThrowsAsync<InvalidDataException>(() => queue.Enqueue(1).WaitAsync(Timeout));
        Assert.Equal(2, await queue.Enqueue(2).WaitAsync(Timeout));
    }

    [Fact]
    public async Task AnItemCancelledBeforeItsBatchStartsIsDroppedAndOneAlreadyInABatchIsAnswered()
    {
        var commits = new HeldCommits();
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 100, RunOnThreadPool = true });
        using var inFlight = new CancellationTokenSource();
        using var waiting = new CancellationTokenSource();

        var first = queue.Enqueue(1, inFlight.Token);
        await commits.Started(1);
        var dropped = queue.Enqueue(2, waiting.Token);
        var kept = queue.Enqueue(3);
        inFlight.Cancel();
        waiting.Cancel();
        commits.Release();

        Assert.Equal(10, await first.WaitAsync(Timeout));
        Assert.Equal(30, await kept.WaitAsync(Timeout));
        Assert.True(dropped.IsCanceled);
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.Equal(waiting.Token, cancelled.CancellationToken);
        Assert.Equal([[1], [3]], commits.Batches);
    }

    [Fact]
    public async Task DisposeCommitsWhatIsQueuedAndThenRefusesNewItems()
    {
        var commits = new HeldCommits();
        var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 2, RunOnThreadPool = true });

        var all = new List<Task<int>> { queue.Enqueue(1) };
        await commits.Started(1);
        all.AddRange([queue.Enqueue(2), queue.Enqueue(3), queue.Enqueue(4)]);
        var disposing = queue.DisposeAsync().AsTask();
        Assert.Throws<ObjectDisposedException>(() => { _ = queue.Enqueue(5); });
        Assert.False(disposing.IsCompleted);

        commits.Release();
        await disposing.WaitAsync(Timeout);

        Assert.All(all, task => Assert.True(task.IsCompletedSuccessfully));
        Assert.Equal([[1], [2, 3], [4]], commits.Batches);
        await queue.DisposeAsync().AsTask().WaitAsync(Timeout); // a second dispose is harmless
    }

    [Fact]
    public async Task DisposingAnIdleQueueCompletesAtOnce()
    {
        var commits = new HeldCommits();
        commits.Release();
        var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 2 });
        await queue.Enqueue(1).WaitAsync(Timeout);

        await queue.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.Throws<ObjectDisposedException>(() => { _ = queue.Enqueue(2); });
    }

    [Fact]
    public Task OnTheCallersSchedulerEveryCommitRunsThereOneTurnAtATime() => OneTurnAtATime.Run(async () =>
    {
        var scheduler = TaskScheduler.Current;
        var schedulers = new List<TaskScheduler>();
        var commits = new HeldCommits(onCommit: () => schedulers.Add(TaskScheduler.Current));
        await using var queue = commits.Queue(new GroupCommitOptions { MaxBatchItems = 100 });

        var first = queue.Enqueue(1);
        Assert.Equal([[1]], commits.Batches); // started on the caller's turn
        var second = queue.Enqueue(2);
        commits.Release();
        await Task.WhenAll(first, second).WaitAsync(Timeout);

        Assert.Equal([[1], [2]], commits.Batches);
        Assert.All(schedulers, s => Assert.Same(scheduler, s));
    });

    [Fact]
    public async Task ManyProducersLoseNoItemCommitNoneTwiceAndKeepEachProducersOrder()
    {
        const int producers = 8;
        const int perProducer = 2_000;
        var committed = new List<(int Producer, int Index)>();
        var inCommit = 0;
        var batches = 0;
        await using var queue = new GroupCommitter<(int Producer, int Index), int>(
            async batch =>
            {
                Assert.Equal(1, Interlocked.Increment(ref inCommit));
                Assert.InRange(batch.Count, 1, 64);
                batches++;
                committed.AddRange(batch.Items);
                await Task.Yield();
                for (var i = 0; i < batch.Count; i++)
                {
                    batch.Complete(i, batch.Items[i].Index);
                }

                Interlocked.Decrement(ref inCommit);
            },
            new GroupCommitOptions { MaxBatchItems = 64, RunOnThreadPool = true });

        using var start = new Barrier(producers);
        var producing = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            start.SignalAndWait();
            var tasks = new Task<int>[perProducer];
            for (var i = 0; i < perProducer; i++)
            {
                tasks[i] = queue.Enqueue((p, i));
            }

            Assert.Equal(Enumerable.Range(0, perProducer), await Task.WhenAll(tasks));
        }));
        await Task.WhenAll(producing).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(producers * perProducer, committed.Count);
        Assert.Equal(producers * perProducer, committed.Distinct().Count());
        foreach (var group in committed.GroupBy(c => c.Producer))
        {
            Assert.Equal(Enumerable.Range(0, perProducer), group.Select(c => c.Index));
        }

        Assert.True(batches < producers * perProducer, "items queued during a commit share a batch");
    }

    [Fact]
    public async Task UpToMaxConcurrentBatchesCommitAtOnceAndEveryItemOnce()
    {
        const int maxConcurrent = 4;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var committed = new ConcurrentBag<int>();
        var inCommit = 0;
        var most = 0;
        await using var queue = new GroupCommitter<int, int>(
            async batch =>
            {
                var now = Interlocked.Increment(ref inCommit);
                InterlockedMax(ref most, now);
                if (now == maxConcurrent)
                {
                    allStarted.TrySetResult();
                }

                await release.Task;
                Interlocked.Decrement(ref inCommit);
                for (var i = 0; i < batch.Count; i++)
                {
                    committed.Add(batch.Items[i]);
                    batch.Complete(i, batch.Items[i]);
                }
            },
            new GroupCommitOptions { MaxBatchItems = 1, MaxConcurrentBatches = maxConcurrent, RunOnThreadPool = true });

        var all = Enumerable.Range(0, maxConcurrent).Select(i => queue.Enqueue(i)).ToList();
        await allStarted.Task.WaitAsync(Timeout);
        all.AddRange(Enumerable.Range(maxConcurrent, 96).Select(i => queue.Enqueue(i)));
        Assert.Equal(96, queue.Queued); // the fifth batch waits for a free slot
        release.SetResult();
        await Task.WhenAll(all).WaitAsync(Timeout);

        Assert.Equal(maxConcurrent, Volatile.Read(ref most));
        Assert.Equal(Enumerable.Range(0, 100), committed.Order());
    }

    [Fact]
    public void OptionsOutOfRangeAreRefused()
    {
        static Task Commit(GroupCommitBatch<int, int> batch) => Task.CompletedTask;

        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitter<int, int>(Commit, new GroupCommitOptions { MaxBatchItems = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitter<int, int>(Commit, new GroupCommitOptions { MaxBatchItems = 1, MaxBatchWeight = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitter<int, int>(Commit, new GroupCommitOptions { MaxBatchItems = 1, MaxConcurrentBatches = 0 }));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>
    /// A commit that records its batches, waits for <see cref="Release"/> before answering, and
    /// answers each item with ten times its value.
    /// </summary>
    private sealed class HeldCommits(Action? onCommit = null)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<TaskCompletionSource> _started = [];
        private readonly List<int[]> _batches = [];

        public List<int[]> Batches
        {
            get
            {
                lock (_batches)
                {
                    return [.. _batches];
                }
            }
        }

        public GroupCommitter<int, int> Queue(GroupCommitOptions options, Func<int, long>? weigh = null) =>
            new(CommitAsync, options, weigh);

        public void Release() => _release.TrySetResult();

        public Task Started(int count) => Signal(count).Task.WaitAsync(Timeout);

        private async Task CommitAsync(GroupCommitBatch<int, int> batch)
        {
            onCommit?.Invoke();
            int count;
            lock (_batches)
            {
                _batches.Add([.. batch.Items]);
                count = _batches.Count;
            }

            Signal(count).TrySetResult();
            await _release.Task;
            for (var i = 0; i < batch.Count; i++)
            {
                batch.Complete(i, batch.Items[i] * 10);
            }
        }

        private TaskCompletionSource Signal(int count)
        {
            lock (_started)
            {
                while (_started.Count < count)
                {
                    _started.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                return _started[count - 1];
            }
        }
    }
}
