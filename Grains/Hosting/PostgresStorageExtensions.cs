using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace ChatOrleans.Grains.Hosting;

public static class PostgresStorageExtensions
{
    /// <summary>
    /// The production profile's durable store, all in one PostgreSQL database through Npgsql: the
    /// message log (<see cref="IMessageLog"/>), and grain state (<see cref="PostgresGrainStorage"/>)
    /// for <see cref="StorageNames.GrainState"/> and for <see cref="StorageNames.PubSub"/>, so
    /// stream subscriptions outlive a silo. The schema is created or migrated while the silo
    /// starts, before any grain activates.
    /// </summary>
    /// <remarks>
    /// Replaces any grain storage registered earlier under those two names. Call it after
    /// anything else that registers one (<c>AddChatGrains</c> registers in-memory pub-sub storage).
    /// </remarks>
    public static ISiloBuilder AddPostgresStorage(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        var services = builder.Services;
        // The container disposes it (and so its connection pool) at host shutdown.
        services.AddSingleton(sp => new PostgresDatabase(connectionString, sp.GetRequiredService<ILogger<PostgresDatabase>>()));
        services.AddSingleton<IMessageLog, PostgresMessageLog>();
        services.AddSingleton<IDevicePositionStore, PostgresDevicePositionStore>();
        AddGrainStorage(services, StorageNames.GrainState);
        AddGrainStorage(services, StorageNames.PubSub);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MigrateAtStartup>();
        // Reminders (the notification pipeline's durable wake-up), shared by every silo.
        services.AddSingleton<IReminderTable, PostgresReminderTable>();
        return builder;
    }

    private static void AddGrainStorage(IServiceCollection services, string name)
    {
        RemoveGrainStorage(services, name);
        services.AddGrainStorage(
            name,
            (sp, key) => new PostgresGrainStorage(
                key,
                sp.GetRequiredService<PostgresDatabase>(),
                sp.GetRequiredService<Serializer>(),
                sp.GetRequiredService<IOptions<ClusterOptions>>()));
    }

    private static void RemoveGrainStorage(IServiceCollection services, string name)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IGrainStorage) && descriptor.IsKeyedService && Equals(descriptor.ServiceKey, name))
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Migrates the schema early in silo start-up, before any grain reads its state, so a database
    /// newer than this build or unreachable fails the start instead of the first grain call.
    /// </summary>
    private sealed class MigrateAtStartup(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(
                nameof(MigrateAtStartup),
                ServiceLifecycleStage.RuntimeInitialize,
                cancellationToken => services.GetRequiredService<PostgresDatabase>().MigrateAsync(cancellationToken));
    }
}
