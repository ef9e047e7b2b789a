using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.Tests.EndToEnd;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;
using ClientSettings = ChatOrleans.Client.NotificationSettings;

namespace ChatOrleans.Tests.Notifications;

/// <summary>Presence as it is: a connected device stays active for the whole test.</summary>
public sealed class PresenceGatewayFixture : NotificationGatewayFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Notifications:CoalesceDelay"] = "00:00:00.500",
        ["Notifications:DeviceIdleAfter"] = "00:05:00",
        ["Notifications:EmailDelayUnit"] = "00:00:00.500",
        ["Notifications:LargeGroupThreshold"] = "3",
    };
}

/// <summary>
/// Who is notified and when, end to end through the real gateway, grains and store, with
/// recording doubles of the push and email services. A "not sent" is proven by a later marker
/// that must be sent: once it is, the earlier one would have been too.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NotificationPipelineTests(PresenceGatewayFixture fixture) : IClassFixture<PresenceGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    private RecordingPushSender Push => fixture.Push;

    [Fact]
    public async Task AnOfflineDeviceIsPushedOnceWithChatSenderPreviewAndBadge()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "c1", "first");
        var first = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
        Assert.Equal(chatId, first.Message.ChatId);
        Assert.Equal(alice.UserId, first.Message.SenderId);
        Assert.Equal(alice.Username, first.Message.Title);
        Assert.Equal("first", first.Message.Body);
        Assert.Equal(1, first.Message.Badge);
        Assert.False(first.Message.Silent);

        // The marker: a second message is pushed on its own, and the first never again.
        await aliceLaptop.SendMessageAsync(chatId, "c2", "second");
        var second = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        Assert.Equal("second", second.Message.Body);
        Assert.Equal(2, second.Message.Badge);
        Assert.Single(Push.AttemptsTo(phone), p => p.Message.Seq == 1);
        Assert.Equal(2, Push.AttemptsTo(phone).Count);
    }

    [Fact]
    public async Task AnOnlineDeviceIsNotPushed()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await using (var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop"))
        {
            await aliceLaptop.SendMessageAsync(chatId, "c1", "seen live");
            await E2E.WaitForSeqAsync(bobLaptop, chatId, 1);
        }

        await WaitNotPresentAsync(fixture.Gateway, bob.UserId, "laptop");
        await aliceLaptop.SendMessageAsync(chatId, "c2", "marker");
        var marker = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        Assert.True(IsSingle(marker.Message), marker.Message.Body);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.Seq == 1);
    }

    [Fact]
    public async Task MentionsLevelIgnoresPlainMessagesAndAlertsOnAMention()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 3);
        var (alice, bob) = (users[0], users[1]);
        var group = await alice.Api.CreateGroupAsync("mentions", [bob.UserId, users[2].UserId]);
        await bob.Api.SetChatNotificationLevelAsync(group.ChatId, NotificationLevels.Mentions);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(group.ChatId, "c1", "plain, for nobody in particular");
        await aliceLaptop.SendMessageAsync(group.ChatId, "c2", $"hey @{bob.Username}");
        var mention = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 2);
        Assert.Equal($"hey @{bob.Username}", mention.Message.Body);
        Assert.Equal($"{alice.Username} in mentions", mention.Message.Title);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.Seq == 1);
    }

    [Fact]
    public async Task AMutedChatNeverAlerts()
    {
        var (alice, bob, directId) = await DirectPairAsync(BaseUri);
        var muted = await alice.Api.CreateGroupAsync("muted", [bob.UserId]);
        await bob.Api.SetChatNotificationLevelAsync(muted.ChatId, NotificationLevels.None);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(muted.ChatId, "c1", $"even @{bob.Username} stays quiet");
        await aliceLaptop.SendMessageAsync(directId, "c2", "marker");
        var marker = await Push.WaitForDeliveredAsync(phone, m => m.ChatId == directId);
        Assert.True(IsSingle(marker.Message), marker.Message.Body);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.ChatId == muted.ChatId);
    }

    [Fact]
    public async Task LargeGroupsDefaultToMentionsForMembersWhoDidNotChooseButAChosenAllStillAlerts()
    {
        // The fixture's threshold is 3 members: this group of 4 is "large".
        var users = await E2E.RegisterManyAsync(BaseUri, 4);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var group = await alice.Api.CreateGroupAsync("large", users.Skip(1).Select(u => u.UserId));
        await carol.Api.SetChatNotificationLevelAsync(group.ChatId, NotificationLevels.All);
        var bobPhone = await RegisterFcmTokenAsync(bob, "phone");
        var carolPhone = await RegisterFcmTokenAsync(carol, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(group.ChatId, "c1", "announcement");
        await Push.WaitForDeliveredAsync(carolPhone, m => m.Seq == 1);
        await aliceLaptop.SendMessageAsync(group.ChatId, "c2", $"@{bob.Username} please read");
        var mention = await Push.WaitForDeliveredAsync(bobPhone, m => m.Seq == 2);
        Assert.True(IsSingle(mention.Message), mention.Message.Body);
        Assert.DoesNotContain(Push.AttemptsTo(bobPhone), p => p.Message.Seq == 1);
    }

    [Fact]
    public async Task PreviewsOffHideTheMessageText()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(Push: true, Email: false, Previews: false));
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "c1", "a secret");
        var push = await Push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
        Assert.DoesNotContain("secret", push.Message.Body ?? "", StringComparison.Ordinal);
        Assert.Equal(alice.Username, push.Message.Title);
    }

    [Fact]
    public async Task AnEmailDigestOfUnreadDirectMessagesIsSentAfterTheDelay()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var address = $"{bob.Username}@example.test";
        // Two units of 0.5 s in this fixture: one second.
        await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(Push: false, Email: true, EmailAddress: address, EmailDelayMinutes: 2));
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        var sent = await aliceLaptop.SendMessageAsync(chatId, "c1", "are you there?");
        var email = await fixture.Email.WaitForAsync(address, _ => true);
        Assert.Contains("are you there?", email.Message.TextBody, StringComparison.Ordinal);
        Assert.Contains(alice.Username, email.Message.TextBody, StringComparison.Ordinal);
        Assert.True(email.At - sent.CreatedAt >= TimeSpan.FromSeconds(0.9), $"sent after {email.At - sent.CreatedAt}");
        Assert.Single(fixture.Email.SentTo(address));
    }

    [Fact]
    public async Task NoEmailIsSentForWhatWasReadBeforeTheDelay()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var address = $"{bob.Username}@example.test";
        // Eight units of 0.5 s: time enough to read it first.
        await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(Push: false, Email: true, EmailAddress: address, EmailDelayMinutes: 8));
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");

        await aliceLaptop.SendMessageAsync(chatId, "c1", "read in time");
        await using (var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop"))
        {
            await bobLaptop.MarkReadAsync(chatId, 1);
        }

        await aliceLaptop.SendMessageAsync(chatId, "c2", "the marker");
        var email = await fixture.Email.WaitForAsync(address, _ => true);
        Assert.Contains("the marker", email.Message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("read in time", email.Message.TextBody, StringComparison.Ordinal);
        Assert.Single(fixture.Email.SentTo(address));
    }

    [Fact]
    public async Task SettingsAreReadBackAndCheckedAndPushTokensAreValidated()
    {
        var bob = await E2E.RegisterAsync(BaseUri);
        var initial = await bob.Api.GetNotificationSettingsAsync();
        Assert.True(initial.GetProperty("push").GetBoolean());
        Assert.False(initial.GetProperty("email").GetBoolean());
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("email_address").ValueKind);
        Assert.Equal(15, initial.GetProperty("email_delay_minutes").GetInt32());
        Assert.True(initial.GetProperty("previews").GetBoolean());

        var put = await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(false, true, "bob@example.test", 30, false));
        var got = await bob.Api.GetNotificationSettingsAsync();
        Assert.Equal(put.GetRawText(), got.GetRawText());
        Assert.Equal("bob@example.test", got.GetProperty("email_address").GetString());
        Assert.Equal(30, got.GetProperty("email_delay_minutes").GetInt32());

        // Left-out optional fields keep their values.
        await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(true, true));
        got = await bob.Api.GetNotificationSettingsAsync();
        Assert.Equal("bob@example.test", got.GetProperty("email_address").GetString());
        Assert.False(got.GetProperty("previews").GetBoolean());

        var fresh = await E2E.RegisterAsync(BaseUri);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/notification-settings", """{"push":true,"email":true}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/notification-settings", """{"push":true}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/notification-settings", """{"push":true,"email":false,"email_address":"nope"}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/notification-settings", """{"push":true,"email":false,"email_delay_minutes":-1}""")).Status);

        Assert.Equal(204, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/phone/push-token", """{"platform":"apns","token":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}""")).Status);
        Assert.Equal(204, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/tab-1/push-token", """{"platform":"webpush","token":{"endpoint":"https://push.example.test/abc","keys":{"p256dh":"BNc","auth":"tBH"}}}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/phone/push-token", """{"platform":"apns","token":"not hex"}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/phone/push-token", """{"platform":"webpush","token":"a string"}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/phone/push-token", """{"platform":"sms","token":"x"}""")).Status);
        Assert.Equal(400, (int)(await Proto.RawAsync(fresh.Api, HttpMethod.Put, "api/v1/me/devices/bad%20id/push-token", """{"platform":"fcm","token":"x"}""")).Status);
    }
}
