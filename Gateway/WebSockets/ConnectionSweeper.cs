using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// The gateway's once-a-second pass over its sockets, in place of timers per socket: closes each
/// whose token expired (4401), and sends a WebSocket keep-alive to each that wrote nothing for
/// <c>Gateway:KeepAliveInterval</c> less a second. Ten thousand idle sockets then cost the process
/// one wake-up a second, not the hundreds a second their own timers would, and the long list of
/// the runtime's timer queue no longer holds one entry per socket.
/// </summary>
public sealed class ConnectionSweeper(ConnectionRegistry registry, IOptions<GatewayOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>How often the pass runs: how late a token's close or a keep-alive may come.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.KeepAliveInterval;
        var silence = interval > Period ? interval - Period : TimeSpan.Zero;
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // One clock read a pass, none per socket.
                Sweep(time.GetUtcNow(), interval > TimeSpan.Zero ? time.GetTimestamp() - (long)(silence.TotalSeconds * time.TimestampFrequency) : null);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <param name="now">Tokens that expired by then are closed.</param>
    /// <param name="silentSince">Sockets that wrote nothing since this timestamp get a keep-alive; null: none do.</param>
    private void Sweep(DateTimeOffset now, long? silentSince)
    {
        foreach (var connection in registry.Connections)
        {
            if (connection.TokenExpiresAt <= now)
            {
                connection.RequestClose(ClientConnection.TokenExpiredCloseCode, "token expired");
            }
            else if (silentSince is { } since && connection.KeepAlive is { } keepAlive)
            {
                // Not awaited: a peer that stopped reading holds its own write, not the pass.
                _ = keepAlive.SendIfSilentSince(since);
            }
        }
    }
}
