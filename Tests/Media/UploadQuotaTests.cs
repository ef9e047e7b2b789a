using System.Net;
using ChatOrleans.Client;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Media;

/// <summary>A gateway with a small upload budget: 1,000 bytes a day and three uploads waiting at once, per user.</summary>
public sealed class SmallUploadQuotaGateway : MediaGatewayFixture
{
    public const long BytesPerDay = 1_000;
    public const int Pending = 3;

    public static Dictionary<string, string?> Limits => new()
    {
        ["Media:MaxUploadBytesPerDay"] = BytesPerDay.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Media:MaxPendingUploads"] = Pending.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override Dictionary<string, string?> Settings() => Limits;
}

/// <summary>
/// Each user's upload budget, kept by a grain: declared bytes per 24 hours and uploads waiting for
/// complete, refused at <c>POST /media/uploads</c> with 429 <c>rate_limited</c> and <c>retry_after_ms</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UploadQuotaTests(SmallUploadQuotaGateway fixture) : IClassFixture<SmallUploadQuotaGateway>
{
    [Fact]
    public async Task TooManyUploadsWaitingForCompleteAreRateLimitedUntilOneIsCompleted()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var png = TestFiles.Png(4, 4);
        var waiting = new List<MediaUpload>();
        for (var i = 0; i < SmallUploadQuotaGateway.Pending; i++)
        {
            waiting.Add(await alice.Api.CreateUploadAsync($"{i}.png", "image/png", png.Length));
        }

        var refused = await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("more.png", "image/png", png.Length), HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.InRange(refused.RetryAfterMs!.Value, 1, (long)TimeSpan.FromHours(1).TotalMilliseconds);

        // Another user has a budget of their own.
        using var bob = await Proto.RegisterAsync(fixture.BaseUri);
        await bob.Api.CreateUploadAsync("bob.png", "image/png", png.Length);

        // Completing one frees its place.
        await alice.Api.UploadAsync(waiting[0], png);
        Assert.Equal("ready", (await alice.Api.CompleteUploadAsync(waiting[0].MediaId)).Status);
        await alice.Api.CreateUploadAsync("more.png", "image/png", png.Length);
    }

    [Fact]
    public async Task DeclaredBytesOverTheDaysBudgetAreRateLimited()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        await alice.Api.CreateUploadAsync("a.bin", "application/zip", 600);

        var refused = await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("b.bin", "application/zip", 401), HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.InRange(refused.RetryAfterMs!.Value, 1, (long)TimeSpan.FromHours(24).TotalMilliseconds);
        Assert.Contains("24 hours", refused.ServerMessage, StringComparison.Ordinal);

        // What still fits is accepted.
        await alice.Api.CreateUploadAsync("c.bin", "application/zip", 400);
        await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("d.bin", "application/zip", 1), HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }

    [Fact]
    public async Task RefusedUploadsCountForNothing()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        for (var i = 0; i < 10; i++)
        {
            await Proto.AssertApiErrorAsync(
                () => alice.Api.CreateUploadAsync("x.exe", "application/x-msdownload", 900), HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedType);
        }

        await alice.Api.CreateUploadAsync("a.bin", "application/zip", (int)SmallUploadQuotaGateway.BytesPerDay);
    }

    [Fact]
    public async Task TheBudgetOutlivesARestart()
    {
        await using var gateway = await TestGateway.StartAsync(SmallUploadQuotaGateway.Limits);
        using var first = new ChatApiClient(gateway.BaseUri);
        await first.RegisterAsync("quota" + Guid.NewGuid().ToString("N")[..12], "correct horse battery");
        await first.CreateUploadAsync("a.bin", "application/zip", SmallUploadQuotaGateway.BytesPerDay);

        await gateway.StopAsync();
        await gateway.StartAgainAsync();
        using var api = new ChatApiClient(gateway.BaseUri) { AccessToken = first.AccessToken };

        await Proto.AssertApiErrorAsync(
            () => api.CreateUploadAsync("b.bin", "application/zip", 1), HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }
}
