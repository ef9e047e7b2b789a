using System.Diagnostics;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// The send budget is per device and per user: device ids are the client's to choose, so many of
/// them do not multiply a user's budget (60 a second, bursts of 150, all devices together).
/// </summary>
[Trait("Category", "Integration")]
public sealed class UserSendBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwentyDevicesOfOneUserShareTheUsersBudget()
    {
        const int burst = 150;
        const int perSecond = 60;
        await using var gateway = await TestGateway.StartAsync();
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        var options = new ChatConnectionOptions { RecordReceived = false, PublishEvents = false };
        var devices = new List<ChatConnection>();
        try
        {
            for (var d = 0; d < 20; d++)
            {
                devices.Add(await alice.ConnectAsync($"dev{d:D2}", options));
            }

            // 20 devices × 20 sends: each device stays within its own burst of 50, the user does not.
            var clock = Stopwatch.StartNew();
            var outcomes = await Task.WhenAll(devices.SelectMany((device, d) =>
                Enumerable.Range(0, 20).Select(i => Outcome(device.SendMessageAsync(chatId, $"d{d}-{i}", "hi")))));
            var elapsed = clock.Elapsed;

            var accepted = outcomes.Count(o => o.Error is null);
            var limited = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList();
            var allowed = burst + (perSecond * elapsed.TotalSeconds) + 2;
            output.WriteLine($"{accepted} of {outcomes.Length} accepted in {elapsed.TotalMilliseconds:N0} ms (at most {allowed:N0} allowed)");

            Assert.InRange(accepted, burst, allowed);
            Assert.NotEmpty(limited);
            Assert.All(limited, e =>
            {
                Assert.Equal(ErrorCodes.RateLimited, e.Code);
                Assert.True(e.RetryAfterMs > 0, $"retry_after_ms {e.RetryAfterMs}");
                Assert.NotNull(e.ReqId);
            });

            // What was refused was not stored; another user's budget is untouched.
            Assert.Equal(accepted, (await alice.Api.GetChatAsync(chatId)).LastSeq);
            await using var bobPhone = await bob.ConnectAsync("phone", options);
            await bobPhone.SendMessageAsync(chatId, "bob-1", "my budget is my own");
        }
        finally
        {
            await Proto.DisposeAllAsync(devices);
        }
    }

    private static async Task<(Message? Message, ChatRequestException? Error)> Outcome(Task<Message> send)
    {
        try
        {
            return (await send, null);
        }
        catch (ChatRequestException ex)
        {
            return (null, ex);
        }
    }
}
