using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Results;
using ChatOrleans.LoadGen.Scenarios;
using ChatOrleans.LoadGen.Transports;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Bench;

/// <summary>
/// The benchmark itself is not a test; these run the load generator's scenarios at a few devices against a real
/// gateway for seconds, and check that it measured what it sent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LoadGenSmokeTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> RaisedLimits = new()
    {
        ["Gateway:SendBurst"] = "10000",
        ["Gateway:SendsPerSecond"] = "10000",
        ["Gateway:UserSendBurst"] = "10000",
        ["Gateway:UserSendsPerSecond"] = "10000",
    };

    [Fact]
    public async Task SteadyLatencyCountsEveryDeliveryOfWhatItSent()
    {
        await using var gateway = await TestGateway.StartAsync(RaisedLimits);
        using var sources = new LoopbackSources(2);
        await using var transport = new ChatTransport(gateway.BaseUri, sources);
        var settings = new SteadyLatencySettings
        {
            Devices = 8,
            DevicesPerUser = 2,
            GroupSize = 3,
            DirectsPerUser = 1,
            Rates = [10, 20],
            StepSeconds = 1,
            WarmupSeconds = 0.5,
        };

        var result = await new SteadyLatencyScenario(transport, Context(sources), settings).RunAsync(CancellationToken.None);

        Assert.Equal(8, result.ConnectedDevices);
        Assert.Equal(2, result.Steps.Count);
        foreach (var step in result.Steps)
        {
            Assert.True(step.Sent >= step.TargetRate / 2, $"sent {step.Sent} at {step.TargetRate}/s");
            Assert.Equal(step.Sent, step.Acked);
            Assert.Empty(step.SendErrors);
            Assert.True(step.DeliveriesExpected >= step.Sent, "every message has at least one other device");
            Assert.Equal(step.DeliveriesExpected, step.DeliveriesReceived);
            Assert.Equal(step.DeliveriesReceived, step.DeliveryLatency.Count);
            Assert.Equal(step.Acked, step.AckLatency.Count);
            Assert.True(step.DeliveryLatency.MinMs > 0);
            Assert.True(step.DeliveryLatency.MaxMs >= step.DeliveryLatency.P95Ms && step.DeliveryLatency.P95Ms >= step.DeliveryLatency.P50Ms);
        }
    }

    [Fact]
    public async Task FanoutTimesEveryMemberOfOneMessageAndOfABurst()
    {
        await using var gateway = await TestGateway.StartAsync(RaisedLimits);
        using var sources = new LoopbackSources(2);
        await using var transport = new ChatTransport(gateway.BaseUri, sources);
        var settings = new FanoutSettings { Members = [5], BurstSize = 3, DeliveryTimeoutSeconds = 30, SettleSeconds = 0.1 };

        var result = await new FanoutScenario(transport, Context(sources), settings).RunAsync(CancellationToken.None);

        var round = Assert.Single(result.Rounds);
        Assert.Equal(5, round.Connected);
        Assert.Equal(4, round.Single.Expected);
        Assert.Equal(4, round.Single.Received);
        Assert.True(round.Single.Complete);
        Assert.True(round.Single.FirstMs > 0 && round.Single.LastMs >= round.Single.FirstMs);
        Assert.Equal(12, round.Burst.Expected);
        Assert.Equal(12, round.Burst.Received);
        Assert.True(round.BurstCompletionMs > 0);
        Assert.Null(round.ServerBytesPerConnection);
    }

    [Fact]
    public async Task ReconnectStormChecksEachReplayAgainstWhatWasMissed()
    {
        await using var gateway = await TestGateway.StartAsync(RaisedLimits);
        using var sources = new LoopbackSources(2);
        await using var transport = new ChatTransport(gateway.BaseUri, sources);
        var settings = new ReconnectStormSettings { Devices = 4, GroupSize = 2, Missed = 3, TimeoutSeconds = 60 };

        var result = await new ReconnectStormScenario(transport, Context(sources), settings).RunAsync(CancellationToken.None);

        Assert.Equal(4, result.Reconnected);
        Assert.Equal(4, result.SyncDone);
        Assert.Equal(12, result.ExpectedReplayed);
        Assert.Equal(12, result.Replayed);
        Assert.Equal(4, result.DevicesExact);
        Assert.True(result.AllSyncDoneMs > 0);
    }

    [Fact]
    public void ResultsRoundTripAndRenderWithTargets()
    {
        var run = new BenchRun { Mode = "quick", Scale = 0.01, StartedAt = DateTimeOffset.UtcNow, Commit = "abc" };
        run.Targets = Targets.Evaluate(run);
        string path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            run.Write(path);
            var read = BenchRun.Read(path);
            Assert.NotNull(read);
            Assert.Equal(15, read.Targets.Count);
            Assert.All(read.Targets, t => Assert.Equal(TargetResult.NotMeasured, t.Status));
            string markdown = MarkdownReport.Render([read]);
            Assert.Contains("## Latest quick run", markdown);
            Assert.Contains("| target | status | number | note |", markdown);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private ScenarioContext Context(LoopbackSources sources) =>
        new(sources, server: null, maxConnections: 1_000, log: line =>
        {
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // Written after the test ended.
            }
        })
        { ConnectConcurrency = 8 };
}
