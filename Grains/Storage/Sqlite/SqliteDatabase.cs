using ChatOrleans.Grains.Batching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary>
/// The embedded profile's one SQLite file (<see cref="FileName"/> under a data folder): schema
/// migration at construction, one writer, pooled readers.
/// </summary>
/// <remarks>
/// SQLite admits one writer at a time, so every write goes through a single connection owned by
/// one loop. The loop takes whatever writes are queued (up to <see cref="MaxBatch"/>, through a
/// <see cref="GroupCommitter{TItem, TResult}"/>) and commits them in one transaction, each
/// inside its own savepoint: a failing write rolls back alone, and one fsync covers the whole
/// group instead of one per write. A write's task completes only after that COMMIT returned with
/// <c>synchronous=FULL</c>, so it is on disk when the caller acks.
/// Reads run on pooled connections; in WAL mode they see the last committed state and never
/// block the writer.
/// </remarks>
public sealed partial class SqliteDatabase : IAsyncDisposable, IDisposable
{
    public const string FileName = "chatorleans.db";

    /// <summary>Writes committed together at most; bounds the latency one batch adds to its first write.</summary>
    private const int MaxBatch = 256;

    private const int BusyTimeoutMs = 10_000;

    /// <summary>The writer connection's page cache (64 MiB); the pooled readers keep SQLite's default.</summary>
    private const int WriterCacheKiB = 64 * 1024;

    /// <summary>WAL pages (of 4 KiB) between automatic checkpoints: about 40 MiB, against SQLite's default 1,000.</summary>
    private const int CheckpointPages = 10_000;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly GroupCommitter<WriteOperation, ValueTuple> _writes;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>
    /// Opens (creating when missing) <c>chatorleans.db</c> in <paramref name="dataDirectory"/> and
    /// brings its schema to the latest version before returning.
    /// </summary>
    public SqliteDatabase(string dataDirectory, ILogger<SqliteDatabase>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        Directory.CreateDirectory(dataDirectory);
        FilePath = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        RestrictToOwner(FilePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY for this long (seconds) on every connection.
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();

        _writer = new SqliteConnection(_connectionString);
        try
        {
            _writer.Open();
            // WAL lets readers run beside the writer; FULL makes every COMMIT fsync the WAL, which
            // is what "durable before ack" needs (NORMAL could lose the last commits on power loss).
            Execute(_writer, "PRAGMA journal_mode=WAL;");
            Execute(_writer, $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={BusyTimeoutMs};");

            // The writer is the file's only writer, so its page cache stays valid from one commit to
            // the next: a cache that holds the pages many chats append to spares a read of each
            // one per commit. A longer WAL between checkpoints folds the many rewrites of those
            // same pages into one copy to the main file, and checkpoints (which run inside a commit)
            // come a tenth as often. Every COMMIT still syncs the WAL, so nothing of durability changes.
            Execute(_writer, $"PRAGMA cache_size=-{WriterCacheKiB}; PRAGMA wal_autocheckpoint={CheckpointPages};");
            SchemaVersion = SqliteSchema.Migrate(_writer, version => LogMigrationApplied(_logger, version, FilePath));
        }
        catch
        {
            _writer.Dispose();
            throw;
        }

        // One batch at a time (one connection), off the callers' threads: the work blocks on disk.
        _writes = new GroupCommitter<WriteOperation, ValueTuple>(
            RunBatch, new GroupCommitOptions { MaxBatchItems = MaxBatch, RunOnThreadPool = true });
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    /// <summary>The schema version after start-up migration.</summary>
    public int SchemaVersion { get; }

    /// <summary>
    /// Runs <paramref name="work"/> in the write transaction; its task completes once the
    /// transaction is committed to disk. When <paramref name="work"/> throws, its changes are rolled
    /// back (others' in the same group are not) and the task fails with that exception. Commands
    /// must be created with <see cref="Command(SqliteTransaction, string)"/>. The work is
    /// synchronous and short: it holds the only writer.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteTransaction, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // The operation answers its caller itself, with its own typed task: no boxed result and no
        // extra await between the COMMIT and the caller. The queue never sees the token, so it
        // never drops an operation behind its back: the batch checks the token when it starts.
        var operation = new WriteOperation<T>(work, cancellationToken);
        _ = _writes.Enqueue(operation, CancellationToken.None);
        return operation.Task;
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read connection, off the caller's thread.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // Microsoft.Data.Sqlite's async methods are synchronous underneath: run the blocking call on
        // the thread pool rather than on the calling grain's turn.
        return Task.Run(
            () =>
            {
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                return work(connection);
            },
            cancellationToken);
    }

    /// <summary>A command enlisted in the write transaction.</summary>
    public static SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>A command on a read connection.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>True when <paramref name="exception"/> is a PRIMARY KEY or UNIQUE violation.</summary>
    public static bool IsUniqueViolation(SqliteException exception) =>
        exception.SqliteErrorCode == SqliteConstraint
        && exception.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique;

    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    /// <summary>Commits one group; each write's outcome is told only after the COMMIT.</summary>
    private Task RunBatch(GroupCommitBatch<WriteOperation, ValueTuple> batch)
    {
        Commit(batch.Items);

        // The operations answered their callers; the queue's own tasks carry nothing.
        for (var i = 0; i < batch.Count; i++)
        {
            batch.Complete(i, default);
        }

        return Task.CompletedTask;
    }

    private void Commit(IReadOnlyList<WriteOperation> operations)
    {
        SqliteTransaction? transaction = null;
        try
        {
            transaction = _writer.BeginTransaction(); // BEGIN IMMEDIATE: takes the write lock now
            foreach (var operation in operations)
            {
                if (operation.SkipIfCancelled())
                {
                    continue; // dropped before it ran, as if it had never been queued
                }

                transaction.Save("op");
                if (operation.Run(transaction))
                {
                    transaction.Release("op");
                }
                else
                {
                    // Throws when SQLite already rolled the whole transaction back (I/O error, disk
                    // full): the outer catch then fails the whole group, nothing of it is on disk.
                    transaction.Rollback("op");
                    transaction.Release("op");
                }
            }

            transaction.Commit();
        }
        catch (Exception exception)
        {
            LogBatchFailed(_logger, exception, operations.Count);
            try
            {
                transaction?.Dispose();
            }
            catch (SqliteException)
            {
                // The transaction is already gone; the failure below is what callers need to see.
            }

            foreach (var operation in operations)
            {
                operation.Fail(exception);
            }

            return;
        }

        transaction.Dispose();
        foreach (var operation in operations)
        {
            operation.Answer();
        }
    }

    /// <summary>
    /// The file holds every message: on Unix it is created 0600 before SQLite opens it (SQLite then
    /// gives its -wal and -shm files the database's mode), and an existing one readable by others
    /// is narrowed, its -wal and -shm with it.
    /// </summary>
    private static void RestrictToOwner(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = ownerOnly,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // It exists already; its mode is checked below.
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file) && (File.GetUnixFileMode(file) & ~ownerOnly) != 0)
            {
                File.SetUnixFileMode(file, File.GetUnixFileMode(file) & ownerOnly);
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Let queued writes finish: a write whose task was handed out must not be dropped.
        await _writes.DisposeAsync().ConfigureAwait(false);
        try
        {
            // Fold the WAL into the main file so the folder holds one self-contained file at rest.
            Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException exception)
        {
            LogCheckpointFailed(_logger, exception, FilePath);
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        using var pooled = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(pooled);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied message store schema migration {Version} to {Path}")]
    private static partial void LogMigrationApplied(ILogger logger, int version, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "A write transaction of {Count} operations failed; none of them was stored")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "WAL checkpoint at shutdown failed for {Path}")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string path);

    /// <summary>
    /// One queued write and, once it ran, its outcome, told to the caller's typed task only after the
    /// COMMIT. A write cancelled before its group starts is dropped; once it ran, the outcome is reported.
    /// </summary>
    private abstract class WriteOperation
    {
        /// <summary>True (and the operation is answered as cancelled) when its token fired before it ran.</summary>
        public abstract bool SkipIfCancelled();

        /// <summary>Runs the work; false when it threw (the error is kept for <see cref="Answer"/>).</summary>
        public abstract bool Run(SqliteTransaction transaction);

        /// <summary>After the COMMIT: the result, the work's own error, or the cancellation.</summary>
        public abstract void Answer();

        /// <summary>The group failed: nothing of it is stored; a work that threw keeps its own error.</summary>
        public abstract void Fail(Exception exception);
    }

    private sealed class WriteOperation<T>(Func<SqliteTransaction, T> work, CancellationToken cancellationToken) : WriteOperation
    {
        // Continuations run asynchronously, so a caller never runs on the writer's thread.
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;
        private bool _skipped;

        public Task<T> Task => _completion.Task;

        public override bool SkipIfCancelled()
        {
            _skipped = cancellationToken.IsCancellationRequested;
            if (_skipped)
            {
                _completion.TrySetCanceled(cancellationToken);
            }

            return _skipped;
        }

        public override bool Run(SqliteTransaction transaction)
        {
            try
            {
                _result = work(transaction);
                return true;
            }
            catch (Exception exception)
            {
                _error = exception;
                return false;
            }
        }

        public override void Answer()
        {
            if (_skipped)
            {
                return;
            }

            if (_error is not null)
            {
                _completion.TrySetException(_error);
            }
            else
            {
                _completion.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception exception)
        {
            if (!_skipped)
            {
                _completion.TrySetException(_error ?? exception);
            }
        }
    }
}
