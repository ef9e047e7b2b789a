using ChatOrleans.Tests.EndToEnd;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// Every connected device is idle at once: presence never holds a push back, so these tests see
/// the other rules alone (read positions, the sender, badge updates).
/// </summary>
public sealed class IdleDevicesGatewayFixture : NotificationGatewayFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Notifications:CoalesceDelay"] = "00:00:02",
        ["Notifications:DeviceIdleAfter"] = "00:00:00.001",
    };
}

[Trait("Category", "Integration")]
public sealed class NotificationIdleDeviceTests(IdleDevicesGatewayFixture fixture) : IClassFixture<IdleDevicesGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    private RecordingPushSender Push => fixture.Push;

    [Fact]
    public async Task TheSenderIsNeverNotifiedOfTheirOwnMessage()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var alicePhone = await RegisterFcmTokenAsync(alice, "phone");
        var bobPhone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await using var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "a1", "from alice");
        await Push.WaitForDeliveredAsync(bobPhone, m => m.Seq == 1);

        // The marker: bob's reply reaches alice's phone, alone.
        await bobLaptop.SendMessageAsync(chatId, "b1", "from bob");
        var reply = await Push.WaitForDeliveredAsync(alicePhone, m => m.Seq == 2);
        Assert.True(IsSingle(reply.Message), reply.Message.Body);
        Assert.DoesNotContain(Push.AttemptsTo(alicePhone), p => p.Message.Seq == 1);
        Assert.DoesNotContain(Push.AttemptsTo(bobPhone), p => p.Message.Seq == 2);
    }

    [Fact]
    public async Task AMessageDeletedWithinTheDelayIsNeverPushed()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        var sent = await aliceLaptop.SendMessageAsync(chatId, "c1", "sent by mistake");
        await aliceLaptop.DeleteMessageAsync(chatId, sent.MessageId);

        // Inconclusive, not passing, if the deletion came after the 2 s delay.
        Assert.True(DateTimeOffset.UtcNow - sent.CreatedAt < TimeSpan.FromSeconds(1.8), "the deletion took too long to prove anything");

        // The marker: the next message is pushed on its own; the deleted one never was.
        await aliceLaptop.SendMessageAsync(chatId, "c2", "the real one");
        var marker = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        Assert.True(IsSingle(marker.Message), marker.Message.Body);
        Assert.Equal("the real one", marker.Message.Body);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.Seq == 1);
    }

    [Fact]
    public async Task AMessageReadOnAnotherDeviceWithinTheDelayIsNotPushed()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        var sent = await aliceLaptop.SendMessageAsync(chatId, "c1", "read on the laptop");
        await using (var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop"))
        {
            await bobLaptop.MarkReadAsync(chatId, 1);
        }

        // Inconclusive, not passing, if the read came after the 2 s delay.
        Assert.True(DateTimeOffset.UtcNow - sent.CreatedAt < TimeSpan.FromSeconds(1.8), "the read took too long to prove anything");

        await aliceLaptop.SendMessageAsync(chatId, "c2", "marker");
        var marker = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        Assert.True(IsSingle(marker.Message), marker.Message.Body);
        Assert.Equal(1, marker.Message.Badge);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.Seq == 1);
    }

    [Fact]
    public async Task AReadAfterThePushSendsASilentBadgeUpdateOnlyToDevicesThatWerePushed()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "c1", "one");
        var pushed = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
        Assert.Equal(1, pushed.Message.Badge);

        // A tablet registered after that push was never pushed: the read must not touch it.
        var tablet = await RegisterFcmTokenAsync(bob, "tablet");
        await using (var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop"))
        {
            await bobLaptop.MarkReadAsync(chatId, 1);
        }

        var update = await Push.WaitForDeliveredAsync(phone, m => m.Silent);
        Assert.Equal(0, update.Message.Badge);
        Assert.Null(update.Message.Body);

        // The marker: the next message reaches both; the tablet's first push is that one.
        await aliceLaptop.SendMessageAsync(chatId, "c2", "two");
        await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        var tabletFirst = await Push.WaitForDeliveredAsync(tablet, m => m.Seq == 2);
        Assert.Equal(tabletFirst, Push.AttemptsTo(tablet)[0]);
        Assert.Single(Push.AttemptsTo(phone), p => p.Message.Silent);
    }
}
