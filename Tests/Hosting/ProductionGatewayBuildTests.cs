using System.Diagnostics;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Hosting;

/// <summary>
/// Issue 14: the production gateway (Gateway/ built with <c>-p:EmbeddedSilo=false</c>) carries the
/// grain interfaces and the Orleans client, not the backend: no grains, no Orleans server, none of
/// what the grains use (SkiaSharp, Npgsql, MailKit). Read from the build's own dependency manifest,
/// beside the default (embedded) build's, which has them all, so the reading is shown to see them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProductionGatewayBuildTests
{
    /// <summary>The refusal's first words (the message lives in the client-only build, not in the one the tests reference).</summary>
    private const string EmbeddedSiloRefusal = "This gateway was built without the embedded silo";

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Libraries (packages and projects) the production gateway must not carry, by name prefix.</summary>
    private static readonly string[] Backend = ["SkiaSharp", "Npgsql", "MailKit", "Microsoft.Orleans.Server"];

    [Fact]
    public void TheProductionGatewayCarriesNeitherTheGrainsNorWhatTheyUse()
    {
        var libraries = Libraries(ProductionGatewayBuild.DepsJson);

        Assert.DoesNotContain("ChatOrleans.Grains", libraries);
        Assert.DoesNotContain("ChatOrleans.Grains.Reference", libraries);
        foreach (var name in Backend)
        {
            Assert.DoesNotContain(libraries, l => l.StartsWith(name, StringComparison.OrdinalIgnoreCase));
        }

        // What it needs is there: the interfaces it calls and the Orleans client runtime
        // (Microsoft.Orleans.Client itself is a package of references only, with no assembly of its own).
        Assert.Contains("ChatOrleans.Grains.Interfaces", libraries);
        Assert.Contains("ChatOrleans.ServiceDefaults", libraries);
        Assert.Contains("Microsoft.Orleans.Core", libraries);
        Assert.Contains("Microsoft.Orleans.Clustering.Redis", libraries);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(ProductionGatewayBuild.DepsJson)!, "ChatOrleans.Grains.dll")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(ProductionGatewayBuild.DepsJson)!, "SkiaSharp.dll")));
    }

    [Fact]
    public void TheEmbeddedBuildCarriesTheGrainsAndWhatTheyUse()
    {
        var libraries = Libraries(ProductionCluster.ProjectOutput("Gateway", "ChatOrleans.Gateway.deps.json"));

        Assert.Contains("ChatOrleans.Grains", libraries);
        foreach (var name in Backend)
        {
            Assert.Contains(libraries, l => l.StartsWith(name, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task TheProductionGatewayAskedForTheEmbeddedProfileRefusesToStartAndNamesTheSetting()
    {
        using var work = new TempDirectory();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ProductionGatewayBuild.GatewayDll);
        info.ArgumentList.Add($"--urls=http://127.0.0.1:{FreePorts.Next()}");
        info.ArgumentList.Add($"--Storage:DataDirectory={Path.Combine(work.Path, "data")}");

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(ExitTimeout))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        var output = await stdout + await stderr;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(EmbeddedSiloRefusal, output, StringComparison.Ordinal);
        Assert.Contains("Orleans:Profile=Production", output, StringComparison.Ordinal);
        Assert.Contains("EmbeddedSilo", output, StringComparison.Ordinal);
    }

    /// <summary>The names of a deps.json's libraries, without their versions.</summary>
    private static HashSet<string> Libraries(string depsJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(depsJson));
        return document.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(p => p.Name[..p.Name.IndexOf('/', StringComparison.Ordinal)])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
