using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace ChatOrleans.Grains.Hosting;

public static class EmbeddedStorageExtensions
{
    /// <summary>
    /// The embedded default profile's durable store: one SQLite file under
    /// <paramref name="dataDirectory"/> holding the message log (<see cref="IMessageLog"/>) and the
    /// grain state provider <see cref="StorageNames.GrainState"/>. The schema is created or
    /// migrated while the silo starts, before any grain activates.
    /// </summary>
    public static ISiloBuilder AddEmbeddedStorage(this ISiloBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);

        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);

        var services = builder.Services;
        // The container disposes it at host shutdown: queued writes finish, the WAL is checkpointed.
        services.AddSingleton(sp => new SqliteDatabase(directory, sp.GetRequiredService<ILogger<SqliteDatabase>>()));
        services.AddSingleton<IMessageLog, SqliteMessageLog>();
        services.AddSingleton<IDevicePositionStore, SqliteDevicePositionStore>();
        services.AddGrainStorage(
            StorageNames.GrainState,
            (sp, name) => new SqliteGrainStorage(name, sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<Serializer>()));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OpenDatabaseAtStartup>();
        // Reminders (the notification pipeline's durable wake-up) live in the same file.
        services.AddSingleton<IReminderTable, SqliteReminderTable>();

        // One process: stream subscriptions live and die with it, so memory is the right store.
        builder.AddMemoryGrainStorage(StorageNames.PubSub);
        return builder;
    }

    /// <summary>
    /// Opens the database (which migrates its schema) early in silo start-up, so a broken or
    /// newer-than-this-build file fails the start instead of the first grain call.
    /// </summary>
    private sealed class OpenDatabaseAtStartup(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(
                nameof(OpenDatabaseAtStartup),
                ServiceLifecycleStage.RuntimeInitialize,
                _ =>
                {
                    services.GetRequiredService<SqliteDatabase>();
                    return Task.CompletedTask;
                });
    }
}
