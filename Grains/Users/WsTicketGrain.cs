namespace ChatOrleans.Grains.Users;

/// <summary>
/// Remembers that one ticket was used. Nothing is stored: once the ticket has expired its
/// signature check refuses it anyway, so the activation deactivates itself then.
/// </summary>
public sealed class WsTicketGrain(TimeProvider time) : Grain, IWsTicketGrain
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    private bool _used;

    public Task<bool> TryUse(DateTimeOffset expiresAt)
    {
        if (_used)
        {
            return Task.FromResult(false);
        }

        _used = true;
        var remaining = expiresAt - time.GetUtcNow();
        this.RegisterGrainTimer(
            () =>
            {
                DeactivateOnIdle();
                return Task.CompletedTask;
            },
            (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) + Margin,
            Timeout.InfiniteTimeSpan);
        return Task.FromResult(true);
    }
}
