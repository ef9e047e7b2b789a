using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Media;

/// <summary>A gateway whose media store is under test, shared by the tests of a class.</summary>
public abstract class MediaGatewayFixture : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public Uri BaseUri => Gateway.BaseUri;

    public async Task InitializeAsync() => Gateway = await TestGateway.StartAsync(Settings());

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }

    protected abstract Dictionary<string, string?> Settings();
}

/// <summary>The embedded default: media on the local disk under the data folder, behind the gateway's signed URLs.</summary>
public sealed class LocalDiskMediaGateway : MediaGatewayFixture
{
    protected override Dictionary<string, string?> Settings() => [];
}

/// <summary>
/// The production store, Azure Blob Storage, on the Azurite named by <c>CHATORLEANS_TEST_AZURITE</c>
/// (a connection string; <c>./test.sh</c> starts Azurite and sets it), in a fresh container. Without
/// the variable the tests fail: a production store that is never tested is not to pass quietly.
/// </summary>
public sealed class AzuriteMediaGateway : MediaGatewayFixture
{
    public const string Variable = "CHATORLEANS_TEST_AZURITE";

    protected override Dictionary<string, string?> Settings()
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set, so the Azure Blob media tests cannot run: run ./test.sh, which starts Azurite " +
                $"(deploy/services/azurite.sh start) and sets {Variable} to its connection string.");
        }

        return new Dictionary<string, string?>
        {
            ["Media:Store"] = "AzureBlob",
            ["Media:Azure:ConnectionString"] = connectionString,
            ["Media:Azure:Container"] = "test-" + Guid.NewGuid().ToString("N"),
        };
    }
}
