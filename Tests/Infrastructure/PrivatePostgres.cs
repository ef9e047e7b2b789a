using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of this test alone (Debian's binaries, newest version under
/// <c>/usr/lib/postgresql</c>): a fresh data folder, a free port on 127.0.0.1, a role with a
/// password that may create databases, as <c>deploy/services/postgres.sh</c> gives the product.
/// A test may stop it for real (<c>pg_ctl stop -m fast</c>) and start it again on the same port
/// and data folder; the shared server of <c>CHATORLEANS_TEST_POSTGRES</c> must stay up for the
/// tests running in parallel.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, and the tests run as root here and in CI: the binaries then
/// run as the <c>postgres</c> OS user, which owns the temp folder. The server runs in the
/// foreground under <see cref="WatchedProcess"/> (not daemonised by <c>pg_ctl start</c>), so it
/// cannot outlive the test process; <c>setpriv</c> changes the user and then executes the server
/// itself, so the watchdog's child is the postmaster. Durability settings are off: this data
/// folder lives as long as one test class.
/// </remarks>
public sealed class PrivatePostgres : IAsyncDisposable
{
    public const string Role = "chatorleans";
    public const string Database = "chatorleans";
    private const string OsUser = "postgres";

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _folder = new();
    private readonly string _bin;
    private readonly string _superPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private WatchedProcess? _server;

    private PrivatePostgres(string bin, int port)
    {
        _bin = bin;
        Port = port;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>The Npgsql connection string of <see cref="Role"/> on <see cref="Database"/> (what <c>CHATORLEANS_TEST_POSTGRES</c> holds for the shared server).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Role,
        Password = Password,
        Database = Database,
    }.ConnectionString;

    public bool IsRunning => _server is { HasExited: false };

    private string DataFolder => Path.Combine(_folder.Path, "data");

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var postgres = new PrivatePostgres(NewestBinFolder(), FreePorts.Next());
        try
        {
            await postgres.InitializeAsync();
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on the same port and data folder and waits until it takes a connection.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The private PostgreSQL is already running.");
        }

        _server?.Dispose();
        _server = WatchedProcess.Start(
            $"postgres-{Port}",
            AsOsUser(
            [
                Path.Combine(_bin, "postgres"),
                "-D", DataFolder,
                "-p", Port.ToString(CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1",
                "-c", $"unix_socket_directories={_folder.Path}",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ]),
            orphanSignal: "QUIT");
        await WaitUntilAcceptingAsync();
    }

    /// <summary>
    /// Stops the server for real: <c>pg_ctl stop -m fast</c> (every session ended, a clean
    /// shutdown), then waits until the process is gone and the port refuses connections.
    /// </summary>
    public async Task StopAsync()
    {
        var server = _server ?? throw new InvalidOperationException("Not started.");
        await WatchedProcess.RunAsync(AsOsUser([Path.Combine(_bin, "pg_ctl"), "stop", "-D", DataFolder, "-m", "fast", "-w", "-t", "60"]), TimeSpan.FromSeconds(90));
        await server.WaitForExitAsync(TimeSpan.FromSeconds(15));
        if (await TryConnectAsync(SuperuserConnectionString()) is null)
        {
            throw new InvalidOperationException($"Something still takes connections on {Port} after the private PostgreSQL stopped.");
        }
    }

    public string LogTail() => _server?.LogTail() ?? "postgres: not started";

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _server?.Dispose();
        _server = null;
        NpgsqlConnection.ClearAllPools();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string NewestBinFolder()
    {
        const string root = "/usr/lib/postgresql";
        var newest = (Directory.Exists(root) ? Directory.GetDirectories(root) : [])
            .Select(d => (Path: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Path, "postgres")))
            .OrderByDescending(d => d.Version)
            .FirstOrDefault();
        return newest.Path ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries under {root}: install Debian's postgresql (deploy/services/postgres.sh start does).");
    }

    /// <summary>As root, the command runs as the <c>postgres</c> OS user; <c>setpriv</c> executes it in place (no extra process).</summary>
    private static IReadOnlyList<string> AsOsUser(IReadOnlyList<string> command) =>
        IsRoot ? ["setpriv", $"--reuid={OsUser}", $"--regid={OsUser}", "--init-groups", "--", .. command] : command;

    private async Task InitializeAsync()
    {
        if (IsRoot)
        {
            await WatchedProcess.RunAsync(["chown", $"{OsUser}:{OsUser}", _folder.Path], TimeSpan.FromSeconds(10));
        }

        var passwordFile = Path.Combine(_folder.Path, "superuser-password");
        await File.WriteAllTextAsync(passwordFile, _superPassword);
        if (IsRoot)
        {
            await WatchedProcess.RunAsync(["chown", $"{OsUser}:{OsUser}", passwordFile], TimeSpan.FromSeconds(10));
        }

        await WatchedProcess.RunAsync(
            AsOsUser(
            [
                Path.Combine(_bin, "initdb"),
                "-D", DataFolder,
                "--username=postgres",
                $"--pwfile={passwordFile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            TimeSpan.FromSeconds(120));
        File.Delete(passwordFile);

        await StartAgainAsync();

        // The product's role and database, as deploy/services/postgres.sh makes them.
        await using var connection = new NpgsqlConnection(SuperuserConnectionString());
        await connection.OpenAsync();
        await using (var role = new NpgsqlCommand($"CREATE ROLE {Role} LOGIN CREATEDB PASSWORD '{Password}';", connection))
        {
            await role.ExecuteNonQueryAsync();
        }

        await using var database = new NpgsqlCommand($"CREATE DATABASE {Database} OWNER {Role};", connection);
        await database.ExecuteNonQueryAsync();
    }

    private string SuperuserConnectionString() => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = _superPassword,
        Database = "postgres",
        Pooling = false,
        Timeout = 2,
    }.ConnectionString;

    /// <summary>The readiness event: a connection the server accepts (not only a listening socket: it refuses while starting up).</summary>
    private async Task WaitUntilAcceptingAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var error = await TryConnectAsync(SuperuserConnectionString());
            if (error is null)
            {
                return;
            }

            if (_server!.HasExited)
            {
                throw new InvalidOperationException($"postgres exited before it took a connection on {Port}.\n{_server.LogTail()}");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"postgres took no connection on {Port} within {StartTimeout}: {error.Message}\n{_server.LogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Null when a connection opened, else why not.</summary>
    private static async Task<Exception?> TryConnectAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            return ex;
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => _server?.Kill();
}
