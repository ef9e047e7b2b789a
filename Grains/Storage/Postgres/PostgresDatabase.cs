using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// The production profile's PostgreSQL database: one pooled <see cref="NpgsqlDataSource"/> shared
/// by the message log and the grain state provider, and the start-up schema migration.
/// </summary>
/// <remarks>
/// Every connection starts with <c>synchronous_commit=on</c> (a startup option, which outranks
/// role and database defaults), so a COMMIT returns only once its WAL is flushed to disk: a write
/// whose task completed survives a crash of the server right after the ack.
/// <see cref="MigrateAsync(CancellationToken)"/> checks that the session really has it and refuses to run otherwise.
/// </remarks>
public sealed partial class PostgresDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// Key of the transaction-scoped advisory lock that serialises migrations of one database, so
    /// silos starting together apply each version once. Advisory locks are per database.
    /// </summary>
    private const long MigrationLockKey = 0x4368_4F72_6C65_616E; // "ChOrlean"

    private readonly ILogger _logger;

    /// <summary>
    /// Builds the data source. Opens no connection: call <see cref="MigrateAsync(CancellationToken)"/> before use (the
    /// silo does at start-up).
    /// </summary>
    public PostgresDatabase(string connectionString, ILogger<PostgresDatabase>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // Appended last: a later -c wins over an earlier one of the same name.
        settings.Options = string.IsNullOrWhiteSpace(settings.Options)
            ? SynchronousCommitOption
            : $"{settings.Options} {SynchronousCommitOption}";
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "ChatOrleans";
        }

        if (settings.MaxAutoPrepare == 0)
        {
            // The hot statements (append, last seq, history) then run as server-side prepared ones.
            settings.MaxAutoPrepare = 64;
        }

        if (!NamesMaxPoolSize(connectionString))
        {
            // Npgsql's default of 100 is PostgreSQL's whole default max_connections: a burst of
            // grain writes would take every slot and fail. A few dozen connections keep a
            // server's cores busy; more only queue inside PostgreSQL instead of here.
            settings.MaxPoolSize = DefaultMaxPoolSize;
        }

        DatabaseName = settings.Database ?? settings.Username ?? "";
        DataSource = new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
    }

    private const string SynchronousCommitOption = "-c synchronous_commit=on";

    /// <summary>The pool's size when the connection string does not name one.</summary>
    public const int DefaultMaxPoolSize = 32;

    private static bool NamesMaxPoolSize(string connectionString)
    {
        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return parsed.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal)
            is var key && (key.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase) || key.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The pooled connections. Owned here: disposed with this object.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The database's name, for messages.</summary>
    public string DatabaseName { get; }

    /// <summary>The schema version after <see cref="MigrateAsync(CancellationToken)"/>; 0 before it ran.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>
    /// Creates or upgrades the schema to <see cref="PostgresSchema.Latest"/> and returns that
    /// version. Idempotent, and safe when several processes run it at once: each migration runs in
    /// its own transaction under an advisory lock and re-reads the version first. Fails when the
    /// database is newer than this build or the session would not commit synchronously.
    /// </summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) =>
        MigrateAsync(PostgresSchema.Latest, cancellationToken);

    /// <summary>
    /// Migrates up to <paramref name="targetVersion"/> only: for tests that build the layout of an
    /// earlier release and then upgrade it.
    /// </summary>
    internal async Task<int> MigrateAsync(int targetVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await CheckDurabilityAsync(connection, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(
                connection,
                transaction,
                $"""
                SELECT pg_advisory_xact_lock({MigrationLockKey});
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    integer     NOT NULL PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """,
                cancellationToken).ConfigureAwait(false);

            int current;
            await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version;", connection, transaction))
            {
                current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            if (current > PostgresSchema.Latest)
            {
                throw new InvalidOperationException(
                    $"The database {DatabaseName} has schema version {current}; this build knows up to {PostgresSchema.Latest}.");
            }

            if (current >= targetVersion)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                SchemaVersion = current;
                return current;
            }

            var next = current + 1;
            await ExecuteAsync(connection, transaction, PostgresSchema.Migrations[next - 1], cancellationToken).ConfigureAwait(false);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_version (version) VALUES ($1);", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = next });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogMigrationApplied(_logger, next, DatabaseName);
        }
    }

    /// <summary>True when <paramref name="exception"/> is a PRIMARY KEY or UNIQUE violation (SQLSTATE 23505).</summary>
    public static bool IsUniqueViolation(PostgresException exception) =>
        exception.SqlState == PostgresErrorCodes.UniqueViolation;

    private async Task CheckDurabilityAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting('synchronous_commit'), current_setting('fsync');", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var synchronousCommit = reader.GetString(0);
        var fsync = reader.GetString(1);
        if (synchronousCommit != "on")
        {
            throw new InvalidOperationException(
                $"PostgreSQL sessions on {DatabaseName} run with synchronous_commit={synchronousCommit}; acks need it on.");
        }

        if (fsync != "on")
        {
            // A server setting no client can override: say so loudly rather than refuse a dev box.
            LogFsyncOff(_logger, DatabaseName);
        }
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Applied PostgreSQL schema migration {Version} to database {Database}")]
    private static partial void LogMigrationApplied(ILogger logger, int version, string database);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "PostgreSQL server of database {Database} runs with fsync=off: acked writes can be lost in a crash")]
    private static partial void LogFsyncOff(ILogger logger, string database);
}
