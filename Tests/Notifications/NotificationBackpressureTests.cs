using ChatOrleans.Notifications;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;

namespace ChatOrleans.Tests.Notifications;

/// <summary>A slow, hanging or failing push service never slows sending, and a dead token is forgotten.</summary>
[Trait("Category", "Integration")]
public sealed class NotificationBackpressureTests
{
    private const int N = 40;

    private static Task<TestGateway> StartAsync(RecordingPushSender push, IDictionary<string, string?> settings) =>
        TestGateway.StartAsync(
            new Dictionary<string, string?>(settings)
            {
                ["Gateway:SendBurst"] = "10000",
                ["Gateway:SendsPerSecond"] = "10000",
                ["Gateway:UserSendBurst"] = "10000",
                ["Gateway:UserSendsPerSecond"] = "10000",
            },
            services => services.AddSingleton<IPushSender>(push));

    [Fact]
    public async Task SendsAreAckedWhileThePushServiceHangs()
    {
        var push = new RecordingPushSender(PushPlatform.Fcm);
        await using var gateway = await StartAsync(push, new Dictionary<string, string?>
        {
            // Every message is pushed at once, through a tiny queue and two workers, and a hung
            // send is not abandoned during the test.
            ["Notifications:CoalesceDelay"] = "00:00:00",
            ["Notifications:DispatchWorkers"] = "2",
            ["Notifications:DispatchQueueCapacity"] = "4",
            ["Notifications:SendTimeout"] = "00:05:00",
        });
        try
        {
            var (alice, bob, chatId) = await DirectPairAsync(gateway.BaseUri);
            var phone = await RegisterFcmTokenAsync(bob, "phone");
            await using var aliceLaptop = await E2E.ConnectAsync(gateway.BaseUri, alice, "laptop");

            // Warm-up, then sends through a healthy service: each send waits for its ack.
            await aliceLaptop.SendMessageAsync(chatId, "warm", "warm-up");
            await push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
            await SendSequentially(aliceLaptop, chatId, "h");
            await push.WaitForDeliveredAsync(phone, m => m.Seq == N + 1);

            // Now the service hangs: once a send is stuck in it, N more sends must still be acked.
            push.Hang();
            await aliceLaptop.SendMessageAsync(chatId, "stuck", "this push hangs");
            await push.WaitForAttemptAsync(phone, m => m.Seq == N + 2);
            // Each is acked (a send held up by the stuck pipeline would fail on the ack's timeout)
            // while the service still holds the stuck push: no send waits for a notification.
            await SendSequentially(aliceLaptop, chatId, "x");
            Assert.True(push.Hanging > 0, "the push service was supposed to be blocked during the sends");

            // Nothing was lost: released, the service gets the latest message.
            push.Release();
            await push.WaitForDeliveredAsync(phone, m => m.Seq == 2 * N + 2, TimeSpan.FromSeconds(60));
        }
        finally
        {
            push.Release();
        }
    }

    [Fact]
    public async Task AFailingPushIsRetriedWithBackoffAndThenDelivered()
    {
        var push = new RecordingPushSender(PushPlatform.Fcm) { Fail = true };
        await using var gateway = await StartAsync(push, new Dictionary<string, string?>
        {
            ["Notifications:CoalesceDelay"] = "00:00:00.100",
            ["Notifications:RetryBaseDelay"] = "00:00:00.200",
            ["Notifications:MaxAttempts"] = "5",
        });
        var (alice, bob, chatId) = await DirectPairAsync(gateway.BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(gateway.BaseUri, alice, "laptop");

        // The send is acked while every push still fails: it never waits for the notification.
        await aliceLaptop.SendMessageAsync(chatId, "c1", "retry me");
        Assert.Empty(push.DeliveredTo(phone));
        await push.WaitForAttemptAsync(phone, _ => push.AttemptsTo(phone).Count >= 2);
        var attempts = push.AttemptsTo(phone);
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(150), "the retry waited for its backoff");

        push.Fail = false;
        var delivered = await push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
        Assert.Equal("retry me", delivered.Message.Body);
        Assert.Single(push.DeliveredTo(phone));
    }

    [Fact]
    public async Task ATokenThePushServiceCallsInvalidIsForgotten()
    {
        var push = new RecordingPushSender(PushPlatform.Fcm);
        await using var gateway = await StartAsync(push, new Dictionary<string, string?>
        {
            ["Notifications:CoalesceDelay"] = "00:00:00.300",
        });
        var (alice, bob, chatId) = await DirectPairAsync(gateway.BaseUri);
        var dead = await RegisterFcmTokenAsync(bob, "old-phone");
        var live = await RegisterFcmTokenAsync(bob, "phone");
        push.InvalidToken(dead);
        await using var aliceLaptop = await E2E.ConnectAsync(gateway.BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "c1", "one");
        await push.WaitForAttemptAsync(dead, m => m.Seq == 1);
        await push.WaitForDeliveredAsync(live, m => m.Seq == 1);

        // Two markers on the live token: by the second, any push of the first to the dead one would have been tried.
        await aliceLaptop.SendMessageAsync(chatId, "c2", "two");
        await push.WaitForDeliveredAsync(live, m => m.Seq == 2);
        await aliceLaptop.SendMessageAsync(chatId, "c3", "three");
        await push.WaitForDeliveredAsync(live, m => m.Seq == 3);
        Assert.Single(push.AttemptsTo(dead));
    }

    private static async Task SendSequentially(Client.ChatConnection connection, string chatId, string prefix)
    {
        for (var i = 0; i < N; i++)
        {
            var ack = await connection.SendMessageAsync(chatId, $"{prefix}{i}", $"{prefix} {i}");
            Assert.Equal($"{prefix}{i}", ack.ClientMsgId);
        }
    }
}
