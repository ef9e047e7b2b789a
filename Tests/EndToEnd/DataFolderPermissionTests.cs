using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>The data folder (0700), the signing key and the SQLite files (0600), on Linux.</summary>
[Trait("Category", "Integration")]
public sealed class DataFolderPermissionTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void AMissingDataFolderIsCreatedOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var parent = new TempDirectory();
        var path = Path.Combine(parent.Path, "data");

        var folder = new DataFolder(path);

        Assert.Equal(Folder, File.GetUnixFileMode(folder.Path));
        Assert.Empty(folder.Corrections);
    }

    [Fact]
    public async Task AGatewayOnAFreshFolderKeepsItsKeyAndDatabaseOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var gateway = await TestGateway.StartAsync();
        using var user = await Proto.RegisterAsync(gateway.BaseUri); // a write, so the WAL exists

        AssertModes(gateway.DataPath);
    }

    [Fact]
    public async Task WiderModesFoundAtStartAreNarrowedAndReported()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var logs = new CapturingLoggerProvider();
        await using var gateway = await TestGateway.StartAsync(configureServices: s => s.AddSingleton<ILoggerProvider>(logs));
        (await Proto.RegisterAsync(gateway.BaseUri)).Dispose();

        await gateway.StopAsync();
        const UnixFileMode worldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(gateway.DataPath, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Path.Combine(gateway.DataPath, "token-signing.key"), worldReadable);
        File.SetUnixFileMode(Path.Combine(gateway.DataPath, "chatorleans.db"), worldReadable);

        await gateway.StartAgainAsync();
        using var again = await Proto.RegisterAsync(gateway.BaseUri);

        AssertModes(gateway.DataPath);
        Assert.Contains(logs.Entries, l => l.EventId.Id == 6104 && l.Text.Contains("token-signing.key", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, l => l.EventId.Id == 6104 && l.Text.Contains(gateway.DataPath + " was", StringComparison.Ordinal));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertModes(string dataPath)
    {
        Assert.Equal(Folder, File.GetUnixFileMode(dataPath));
        foreach (var name in new[] { "token-signing.key", "chatorleans.db", "chatorleans.db-wal", "chatorleans.db-shm" })
        {
            var path = Path.Combine(dataPath, name);
            Assert.True(File.Exists(path), $"{name} is missing");
            var mode = File.GetUnixFileMode(path);
            Assert.True(mode == Secret, $"{name} is {Convert.ToString((int)mode, 8)}, not 600");
        }
    }
}
