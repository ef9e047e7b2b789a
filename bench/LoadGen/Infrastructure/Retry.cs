namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>Retries set-up calls (registration, chat creation, connecting) that fail for a moment under load.</summary>
public static class Retry
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, int attempts = 4)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (attempt < attempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> for every item with at most <paramref name="parallelism"/> at once.</summary>
    public static Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, CancellationToken, ValueTask> body, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, body);
}
