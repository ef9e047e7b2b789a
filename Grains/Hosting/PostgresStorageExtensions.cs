using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace ChatOrleans.Grains.Hosting;

public static class PostgresStorageExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql (Orleans' <c>AdoNetInvariants.InvariantNamePostgreSql</c>).</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// The production profile's durable store, all in one PostgreSQL database: the message log
    /// (<see cref="IMessageLog"/>) through Npgsql, and grain state through
    /// Microsoft.Orleans.Persistence.AdoNet for <see cref="StorageNames.GrainState"/> and for
    /// <see cref="StorageNames.PubSub"/>, so stream subscriptions outlive a silo. The schema is
    /// created or migrated while the silo starts, before any grain activates.
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
        AddAdoNetStorage(services, StorageNames.GrainState);
        AddAdoNetStorage(services, StorageNames.PubSub);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MigrateAtStartup>();
        // Reminders (the notification pipeline's durable wake-up), shared by every silo.
        services.AddSingleton<IReminderTable, PostgresReminderTable>();
        return builder;
    }

    private static void AddAdoNetStorage(IServiceCollection services, string name)
    {
        RemoveGrainStorage(services, name);
        services.AddAdoNetGrainStorage(
            name,
            options => options.Configure<PostgresDatabase, Serializer>((o, database, serializer) =>
            {
                o.Invariant = NpgsqlInvariant;
                // The shared pool, whose connections carry synchronous_commit=on.
                o.DataSource = database.DataSource;
                // Orleans' binary serializer rather than the default Newtonsoft JSON with type
                // names: state classes are [GenerateSerializer] types whose [Alias] and [Id]s keep
                // stored rows readable across renames.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        // Put the identity-scoping wrapper where AddGrainStorage put the provider. Its lifecycle
        // registration resolves the keyed service, so the wrapper passes the provider's Init on.
        RemoveGrainStorage(services, name);
        services.AddKeyedSingleton<IGrainStorage>(
            name,
            (sp, _) => new PostgresGrainStorage(name, AdoNetGrainStorageFactory.Create(sp, name)));
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
    /// Migrates the schema early in silo start-up: the grain storage providers load their queries
    /// from it at <see cref="ServiceLifecycleStage.ApplicationServices"/>, and a database newer than
    /// this build or unreachable fails the start instead of the first grain call.
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

/// <summary>
/// The AdoNet grain storage provider, with every state keyed by provider, grain type and the
/// grain's whole key.
/// </summary>
/// <remarks>
/// AdoNetGrainStorage 10.4 keys a row by state name and grain key only, without the grain type
/// (dotnet/orleans#8746, #9737), and reads a string key that parses as hexadecimal as a number or
/// GUID, so "dad", "DAD" and "0dad" are one grain to it (#9706). Handing it the provider and
/// state name as the state name and the full grain id ("type/key") as a string key that can
/// never parse as either gives each grain state its own row, as in the SQLite store.
/// </remarks>
internal sealed class PostgresGrainStorage(string name, AdoNetGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Grain type of the ids handed to the provider; it ignores the type.</summary>
    private const string StorageGrainType = "chatorleans-state";

    private int _participating;

    public string Name { get; } = name;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(StateName(stateName), StorageId(grainId), grainState);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ((IGrainStorage)inner).ReadStateAsync(StateName(stateName), StorageId(grainId), grainState, cancellationToken);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(StateName(stateName), StorageId(grainId), grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ((IGrainStorage)inner).WriteStateAsync(StateName(stateName), StorageId(grainId), grainState, cancellationToken);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(StateName(stateName), StorageId(grainId), grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ((IGrainStorage)inner).ClearStateAsync(StateName(stateName), StorageId(grainId), grainState, cancellationToken);

    public void Participate(ISiloLifecycle lifecycle)
    {
        // Once: a storage registered earlier under this name may have left its own lifecycle
        // registration behind, which now resolves to this object too.
        if (Interlocked.Exchange(ref _participating, 1) == 0)
        {
            inner.Participate(lifecycle);
        }
    }

    private string StateName(string stateName) => $"{Name}/{stateName}";

    // "type/key": the '/' (and the type's letters) keep it from parsing as a number or a GUID.
    private static GrainId StorageId(GrainId grainId) => GrainId.Create(StorageGrainType, grainId.ToString());
}
