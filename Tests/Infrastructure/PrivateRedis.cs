using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A <c>redis-server</c> of this test alone, on a free loopback port, that a test may stop for
/// real and start again on the same port (the shared Redis of <c>CHATORLEANS_TEST_REDIS</c> serves
/// tests running in parallel and must stay up).
/// </summary>
/// <remarks>
/// Without persistence a restarted server is empty, as a Redis without persistence is after a
/// crash; with it, every write is in the append-only file before it is acknowledged, so a
/// restarted server holds what it held, as a production Redis does. Killed on dispose and when the
/// test process exits; the watchdog of <see cref="WatchedProcess"/> covers a test host that is
/// itself killed.
/// </remarks>
public sealed class PrivateRedis : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _folder = new();
    private WatchedProcess? _server;

    private readonly bool _persistent;

    private PrivateRedis(int port, bool persistent)
    {
        Port = port;
        _persistent = persistent;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string the product takes (<c>Orleans:Redis</c>).</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _server is { HasExited: false };

    /// <param name="persistent">Whether the data outlives a restart (an fsynced append-only file) or is lost with the process.</param>
    public static async Task<PrivateRedis> StartAsync(bool persistent)
    {
        var redis = new PrivateRedis(FreePorts.Next(), persistent);
        try
        {
            await redis.StartAgainAsync();
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The private Redis is already running.");
        }

        _server?.Dispose();
        _server = WatchedProcess.Start(
            $"redis-{Port}",
            [
                "redis-server",
                "--bind", "127.0.0.1",
                "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--save", "",
                "--appendonly", _persistent ? "yes" : "no",
                "--appendfsync", "always",
                "--daemonize", "no",
                "--dir", _folder.Path,
                "--logfile", "",
            ]);

        var deadline = Stopwatch.StartNew();
        while (!await AnswersPingAsync())
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited before it answered on {Port}.\n{_server.LogTail()}");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"redis-server did not answer PING on {Port} within {StartTimeout}.\n{_server.LogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Stops the server (SHUTDOWN NOSAVE: no snapshot; the append-only file, when on, is already written) and waits until the process is gone and the port refuses.</summary>
    public async Task StopAsync()
    {
        var server = _server ?? throw new InvalidOperationException("Not started.");
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("SHUTDOWN NOSAVE\r\n"));
        }
        catch (SocketException)
        {
            // Not answering already; the kill below makes sure.
        }

        try
        {
            await server.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            server.Kill();
            await server.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        if (await AnswersPingAsync())
        {
            throw new InvalidOperationException($"Something still answers on {Port} after the private Redis stopped.");
        }
    }

    public string LogTail() => _server?.LogTail() ?? "redis: not started";

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _server?.Dispose();
        _server = null;
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One PING on a fresh connection: the server's readiness, not a client's reconnect logic.</summary>
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => _server?.Kill();
}
