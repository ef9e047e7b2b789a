using System.Diagnostics;
using ChatOrleans.Client;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary><c>fetch_history</c> has a budget per device: 20 a second sustained, bursts of 50.</summary>
[Trait("Category", "Integration")]
public sealed class HistoryBudgetTests(ProtocolGatewayFixture fixture, ITestOutputHelper output) : IClassFixture<ProtocolGatewayFixture>
{
    private const int Burst = 50;
    private const int PerSecond = 20;

    [Fact]
    public async Task HistoryRequestsOverTheBurstAreRateLimitedWithRetryAfterWhileOtherFramesStillWork()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var bob = await Proto.RegisterAsync(fixture.BaseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone", new ChatConnectionOptions { RecordReceived = false });
        await phone.SendMessageAsync(chatId, "one", "one message");

        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => Outcome(phone.FetchHistoryAsync(chatId, limit: 1))));
        var elapsed = clock.Elapsed;

        var accepted = outcomes.Count(o => o.Error is null);
        var allowed = Burst + (PerSecond * elapsed.TotalSeconds) + 1;
        output.WriteLine($"{accepted} of {outcomes.Length} answered in {elapsed.TotalMilliseconds:N0} ms (at most {allowed:N0} allowed)");
        Assert.InRange(accepted, Burst, allowed);
        var limited = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, e =>
        {
            Assert.Equal(ErrorCodes.RateLimited, e.Code);
            Assert.True(e.RetryAfterMs > 0, $"retry_after_ms {e.RetryAfterMs}");
            Assert.NotNull(e.ReqId);
        });

        // Sends and pings are not counted; another device of the same user has its own budget.
        await phone.PingAsync();
        await phone.SendMessageAsync(chatId, "two", "still sending");
        await using var tablet = await alice.ConnectAsync("tablet", new ChatConnectionOptions { RecordReceived = false });
        Assert.Equal(2, (await tablet.FetchHistoryAsync(chatId)).Count);

        // After retry_after_ms the device may ask again.
        await Task.Delay(TimeSpan.FromMilliseconds(limited.Max(e => e.RetryAfterMs!.Value)));
        Assert.Equal(2, (await phone.FetchHistoryAsync(chatId)).Count);
    }

    private static async Task<(IReadOnlyList<Message>? Messages, ChatRequestException? Error)> Outcome(Task<IReadOnlyList<Message>> fetch)
    {
        try
        {
            return (await fetch, null);
        }
        catch (ChatRequestException ex)
        {
            return (null, ex);
        }
    }
}
