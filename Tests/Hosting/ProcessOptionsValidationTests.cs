using System.Diagnostics;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Hosting;

/// <summary>
/// The hosts of a several-process deployment check their settings too: the backend silo
/// (<c>ChatOrleans.Silo.dll</c>) and a production gateway (<c>ChatOrleans.Gateway.dll</c> of the client-only build, as a
/// cluster client) exit at start on one bad setting, naming it, before they reach any other
/// process or store. One process per row, run as the deployment runs it.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ProcessOptionsValidationTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("Orleans:Kubernetes", "true")]
    [InlineData("EventStreams:Queues", "0")]
    [InlineData("Chat:MaxWriteBatch", "0")]
    [InlineData("Notifications:MaxAttempts", "0")]
    [InlineData("Media:SweepPeriod", "00:00:00")]
    [InlineData("Operator:Username", "ops")]
    public async Task TheSiloRefusesABadSettingAndNamesIt(string setting, string badValue)
    {
        var (exitCode, output) = await RunAsync(ProductionCluster.ProjectOutput("Silo", "ChatOrleans.Silo.dll"), [$"--{setting}={badValue}"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(setting, output, StringComparison.Ordinal);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gateway:SendBurst", "0")]
    [InlineData("Auth:WsTicketLifetime", "00:00:00")]
    [InlineData("Api:MaxBodyBytes", "0")]
    [InlineData("Media:MaxPendingUploads", "0")]
    [InlineData("Notifications:WebPush:Subject", "ops@example.com")]
    public async Task AProductionGatewayRefusesABadSettingAndNamesIt(string setting, string badValue)
    {
        // Stores that nothing listens on: the refusal comes before the gateway reaches for them.
        var (exitCode, output) = await RunAsync(
            ProductionGatewayBuild.GatewayDll,
            [
                "--Orleans:Profile=Production",
                $"--Orleans:Redis=127.0.0.1:{FreePorts.Next()}",
                $"--Orleans:Postgres=Host=127.0.0.1;Port={FreePorts.Next()};Username=none;Password=none;Database=none",
                "--Media:Store=Local",
                "--Notifications:WebPush:KeyFile=vapid.json",
                $"--{setting}={badValue}",
            ]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(setting, output, StringComparison.Ordinal);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c> in a fresh folder on free ports until it exits.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string dll, string[] arguments)
    {
        using var work = new TempDirectory();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add($"--urls=http://127.0.0.1:{FreePorts.Next()}");
        info.ArgumentList.Add($"--Storage:DataDirectory={Path.Combine(work.Path, "data")}");
        info.ArgumentList.Add($"--Orleans:SiloPort={FreePorts.Next()}");
        info.ArgumentList.Add($"--Orleans:GatewayPort={FreePorts.Next()}");
        info.ArgumentList.Add($"--Orleans:ClusterId=test-{Guid.NewGuid():N}");
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("ASPNETCORE_URLS");

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{dll} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(dll)} {string.Join(' ', arguments)} was still running after {ExitTimeout}: it accepted the setting.\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
