using System.Diagnostics;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Browser;

/// <summary>
/// The web client in headless Chromium: each test runs one scenario script of Tests/Browser
/// (Node with playwright-core, driving Debian's /usr/bin/chromium) against a real gateway on
/// loopback. The script's exit code is the verdict; its output is the failure message.
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserTests(BrowserTests.GatewayFixture gateway) : IClassFixture<BrowserTests.GatewayFixture>
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public Task TwoPeopleSignUpAndChatWithTypingAndReceipts() => RunScenario("direct-chat");

    [Fact]
    public Task OneUserOnTwoDevicesStaysInStepOnReadsAndDeletions() => RunScenario("two-devices");

    [Fact]
    public Task ADeviceBackFromOfflineShowsEveryMissedMessageOnceInOrder() => RunScenario("offline-catch-up");

    [Fact]
    public Task AnUploadedImageShowsItsPreviewToTheOtherPerson() => RunScenario("image-upload");

    [Fact]
    public Task MarkupInMessagesAndNamesShowsAsTextAndRunsNoScript() => RunScenario("markup-is-text");

    private async Task RunScenario(string name)
    {
        var root = RepositoryPaths.Root;
        var browserDir = Path.Combine(root, "Tests", "Browser");
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        Assert.True(File.Exists(chromium),
            $"Chromium is missing at {chromium}: the browser tests need Debian's chromium (apt-get install -y chromium; ./test.sh installs it).");
        Assert.True(Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")),
            $"playwright-core is not installed: run `npm ci` in {browserDir} (./test.sh does).");

        // Screenshots go with the test results; CHATORLEANS_SCREENSHOT_DIR=docs/screenshots refreshes the committed ones.
        var shots = Environment.GetEnvironmentVariable("CHATORLEANS_SCREENSHOT_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir, root)
            : Path.Combine(root, "TestResults", "screenshots");
        Directory.CreateDirectory(shots);

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = browserDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine("scenarios", name + ".mjs"));
        start.ArgumentList.Add(gateway.BaseUrl);
        start.ArgumentList.Add(shots);
        start.Environment["CHROMIUM_PATH"] = chromium;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScenarioTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"Scenario {name} did not finish within {ScenarioTimeout}.\n{await stdout}\n{await stderr}");
        }

        var output = $"{await stdout}\n{await stderr}".Trim();
        Assert.True(process.ExitCode == 0, $"Scenario {name} failed (exit {process.ExitCode}):\n{output}");
    }

    /// <summary>One gateway for the scenarios of this class; each scenario signs up its own people.</summary>
    public sealed class GatewayFixture : IAsyncLifetime
    {
        private TestGateway? _gateway;

        public string BaseUrl => _gateway!.BaseUri.ToString().TrimEnd('/');

        public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

        public async Task DisposeAsync()
        {
            if (_gateway is not null)
            {
                await _gateway.DisposeAsync();
            }
        }
    }
}
