namespace ChatOrleans.Grains.Batching;

/// <summary>
/// One batch of a <see cref="GroupCommitter{TItem, TResult}"/>: its items in the order they were
/// queued, and the answer to each item's waiter.
/// </summary>
/// <remarks>
/// The commit answers each item once (the first answer wins; later ones are ignored), when it
/// likes: items it settles early (a retry already stored) may be answered before the others. What
/// it leaves unanswered fails with the commit's exception, or, when it returned normally, with an
/// <see cref="InvalidOperationException"/>: an item never waits forever.
/// </remarks>
public sealed class GroupCommitBatch<TItem, TResult>
{
    private readonly TItem[] _items;
    private readonly TaskCompletionSource<TResult>[] _completions;

    internal GroupCommitBatch(TItem[] items, TaskCompletionSource<TResult>[] completions)
    {
        _items = items;
        _completions = completions;
    }

    /// <summary>The items, oldest first.</summary>
    public IReadOnlyList<TItem> Items => _items;

    public int Count => _items.Length;

    /// <summary>True once item <paramref name="index"/> has its answer.</summary>
    public bool IsAnswered(int index) => _completions[index].Task.IsCompleted;

    /// <summary>Completes item <paramref name="index"/>'s task with <paramref name="result"/>.</summary>
    public void Complete(int index, TResult result) => _completions[index].TrySetResult(result);

    /// <summary>Fails item <paramref name="index"/>'s task with <paramref name="exception"/>.</summary>
    public void Fail(int index, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _completions[index].TrySetException(exception);
    }

    internal void FailUnanswered(Exception exception)
    {
        foreach (var completion in _completions)
        {
            completion.TrySetException(exception);
        }
    }
}
