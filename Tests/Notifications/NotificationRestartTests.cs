using ChatOrleans.Notifications;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;

namespace ChatOrleans.Tests.Notifications;

/// <summary>Pending notifications are persisted with a durable wake-up: a restart loses none and doubles none.</summary>
[Trait("Category", "Integration")]
public sealed class NotificationRestartTests
{
    [Fact]
    public async Task APendingPushIsStillSentOnceAfterTheSiloRestarts()
    {
        var push = new RecordingPushSender(PushPlatform.Fcm);
        await using var gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?>
            {
                // Long enough that the push is certainly still pending at the stop.
                ["Notifications:CoalesceDelay"] = "00:00:06",
                ["Notifications:ReminderPeriod"] = "00:00:01",
            },
            services => services.AddSingleton<IPushSender>(push));

        var (alice, bob, chatId) = await DirectPairAsync(gateway.BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        ChatOrleans.Client.Message sent;
        await using (var aliceLaptop = await E2E.ConnectAsync(gateway.BaseUri, alice, "laptop"))
        {
            sent = await aliceLaptop.SendMessageAsync(chatId, "c1", "survives the restart");
        }

        await gateway.StopAsync();
        Assert.Empty(push.AttemptsTo(phone));
        Assert.True(DateTimeOffset.UtcNow - sent.CreatedAt < TimeSpan.FromSeconds(5), "stopping took too long to prove anything");

        await gateway.StartAgainAsync();
        var delivered = await push.WaitForDeliveredAsync(phone, m => m.Seq == 1, TimeSpan.FromSeconds(60));
        Assert.Equal("survives the restart", delivered.Message.Body);

        // The marker: a later message is pushed alone, and the first is never pushed again.
        await using var aliceAgain = await E2E.ConnectAsync(gateway.BaseUri, alice.AccessToken, "laptop");
        await aliceAgain.SendMessageAsync(chatId, "c2", "after");
        var marker = await push.WaitForDeliveredAsync(phone, m => m.Seq == 2, TimeSpan.FromSeconds(60));
        Assert.True(IsSingle(marker.Message), marker.Message.Body);
        Assert.Single(push.AttemptsTo(phone), p => p.Message.Seq == 1);
    }
}
