namespace ChatOrleans.Tests.Chats;

/// <summary>
/// Runs a test body as a grain runs its calls: every continuation on one scheduler, one at a time,
/// so a class written for a grain's scheduler can be tested without a silo.
/// </summary>
internal static class OneTurnAtATime
{
    public static Task Run(Func<Task> body)
    {
        var scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        return Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap()
            .WaitAsync(TimeSpan.FromSeconds(30));
    }
}
