using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record ConnectionsSettings
{
    public int Devices { get; init; } = 2_000;

    public int DevicesPerUser { get; init; } = 2;

    /// <summary>Each user is in one group of this size, so a device subscribes to something, as real ones do.</summary>
    public int GroupSize { get; init; } = 10;

    /// <summary>Devices connected per step of the ramp; memory is read after each step.</summary>
    public int StepSize { get; init; } = 1_000;

    /// <summary>How long all devices stay idle before the final reading and the liveness check.</summary>
    public double HoldSeconds { get; init; } = 10;

    /// <summary>Devices pinged after the hold to prove they are still served.</summary>
    public int PingSample { get; init; } = 200;
}

public sealed record ConnectionsPoint(int Connected, long ServerRssBytes, double Seconds);

public sealed record ConnectionsResult(
    ConnectionsSettings Settings,
    int RequestedDevices,
    int Devices,
    string? ClampedBy,
    int Users,
    IReadOnlyDictionary<string, double> SetupSeconds,
    int Connected,
    int StillOpenAfterHold,
    int PingsAnswered,
    int PingsSent,
    double ConnectSeconds,
    double ConnectsPerSecond,
    long ServerRssBeforeBytes,
    long ServerRssHeldBytes,
    long? ServerBytesPerConnection,
    long GeneratorRssBytes,
    IReadOnlyList<ConnectionsPoint> Ramp,
    string? StoppedBy,
    CpuUsage? IdleCpu = null)
{
    /// <summary>The server's cores in use while every device sat idle (the second half of the hold), or null without a server process.</summary>
    public double? ServerIdleCores => IdleCpu is { WallSeconds: > 0 } cpu && cpu.ServerCpuSeconds >= 0
        ? Math.Round(cpu.ServerCpuSeconds / cpu.WallSeconds, 4)
        : null;
}

/// <summary>
/// Scenario 4, connections: authenticated devices connect step by step and then sit idle; the server's resident memory
/// is read at each step, and the memory per connection is the growth over the connections held. Stops early at the
/// first step that fails to connect (that is the most this gateway holds here).
/// </summary>
public sealed class ConnectionsScenario(ChatTransport transport, ScenarioContext context, ConnectionsSettings settings)
{
    public async Task<ConnectionsResult> RunAsync(CancellationToken cancellationToken)
    {
        int devices = Math.Min(settings.Devices, context.MaxConnections);
        string? clampedBy = devices < settings.Devices ? $"RLIMIT_NOFILE: at most {context.MaxConnections} sockets per process here" : null;
        int users = Math.Max(1, devices / settings.DevicesPerUser);
        devices = users * settings.DevicesPerUser;
        context.Log($"[{transport.Name}] connections: {devices} idle devices of {users} users{(clampedBy is null ? "" : $" (asked {settings.Devices}; {clampedBy})")}");
        Topology topology = Topology.GroupsAndDirects(users, settings.DevicesPerUser, Math.Min(settings.GroupSize, users), directsPerUser: 0);
        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        long rssBefore = context.ServerRss();
        var ramp = new List<ConnectionsPoint> { new(0, rssBefore, 0) };
        long started = BenchClock.Now;
        int connected = 0;
        string? stoppedBy = null;
        for (int first = 0; first < devices; first += settings.StepSize)
        {
            int[] step = [.. Enumerable.Range(first, Math.Min(settings.StepSize, devices - first))];
            try
            {
                connected += await transport.ConnectAsync(step, context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                connected = transport.Devices.Count(d => d.Connection is { IsClosed: false });
                stoppedBy = $"{ex.GetType().Name}: {ex.Message}";
                context.Log($"[{transport.Name}]   connecting stopped at {connected}: {stoppedBy}");
                break;
            }

            ramp.Add(new ConnectionsPoint(connected, context.ServerRss(), Math.Round(BenchClock.SecondsSince(started), 2)));
        }

        double connectSeconds = Math.Round(BenchClock.SecondsSince(started), 2);
        context.Log($"[{transport.Name}]   {connected} connected in {connectSeconds} s; holding {settings.HoldSeconds} s");
        // The first half of the hold lets the connects' after-effects settle (acks written, state
        // flushed, a GC); the second half is what idle devices cost the server.
        await Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds / 2), cancellationToken).ConfigureAwait(false);
        var idle = CpuWindow.Start(context.Server);
        await Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds / 2), cancellationToken).ConfigureAwait(false);
        CpuUsage? idleCpu = context.Server is null ? null : idle.Stop();
        long rssHeld = context.ServerRss();
        BenchDevice[] open = [.. transport.Devices.Where(d => d.Connection is { IsClosed: false })];

        int pings = Math.Min(settings.PingSample, open.Length);
        int answered = 0;
        var random = new Random(7);
        await Retry.ForEachAsync(
            open.OrderBy(_ => random.Next()).Take(pings), 32,
            async (device, ct) =>
            {
                try
                {
                    await device.Connection!.PingAsync(ct).ConfigureAwait(false);
                    Interlocked.Increment(ref answered);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                }
            },
            cancellationToken).ConfigureAwait(false);

        long? perConnection = context.Server is null || open.Length == 0 ? null : (rssHeld - rssBefore) / open.Length;
        long generatorRss = ServerProcess.ReadRssBytes(Environment.ProcessId);
        string idleCores = idleCpu is null ? "" : $"; idle server CPU {idleCpu.ServerCpuSeconds / Math.Max(idleCpu.WallSeconds, 0.001):0.000} cores";
        context.Log($"[{transport.Name}]   held {open.Length}; server RSS {rssBefore / 1048576} → {rssHeld / 1048576} MiB ({perConnection} B per connection); pings {answered}/{pings}{idleCores}");
        await transport.DisconnectAllAsync().ConfigureAwait(false);
        return new ConnectionsResult(
            settings, settings.Devices, devices, clampedBy, users, setup, connected, open.Length, answered, pings, connectSeconds,
            Math.Round(connected / Math.Max(connectSeconds, 0.001), 1), rssBefore, rssHeld, perConnection, generatorRss, ramp, stoppedBy, idleCpu);
    }
}
