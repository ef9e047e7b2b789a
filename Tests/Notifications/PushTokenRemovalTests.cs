using System.Net;
using System.Net.Http.Headers;
using ChatOrleans.Tests.EndToEnd;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;

namespace ChatOrleans.Tests.Notifications;

/// <summary>Short delays, and a cap of three devices with push tokens per user.</summary>
public sealed class PushDeviceCapGatewayFixture : NotificationGatewayFixture
{
    public const int MaxPushDevices = 3;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Notifications:CoalesceDelay"] = "00:00:00.200",
        ["Notifications:MaxPushDevices"] = MaxPushDevices.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// <c>DELETE /me/devices/{id}/push-token</c> stops a device's pushes (sign-out on a shared phone),
/// and a user's devices with tokens are capped, the one registered longest ago going first.
/// "Not pushed" is proven by a device that must be pushed the same message: once it is, the
/// other would have been too.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PushTokenRemovalTests(PushDeviceCapGatewayFixture fixture) : IClassFixture<PushDeviceCapGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    private RecordingPushSender Push => fixture.Push;

    [Fact]
    public async Task ARemovedTokenGetsNoMorePushes()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var phone = await RegisterFcmTokenAsync(bob, "phone");
        var tablet = await RegisterFcmTokenAsync(bob, "tablet");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await aliceLaptop.SendMessageAsync(chatId, "c1", "before sign-out");
        await Push.WaitForDeliveredAsync(phone, m => m.Seq == 1);
        await Push.WaitForDeliveredAsync(tablet, m => m.Seq == 1);

        using (var response = await DeleteTokenAsync(bob, "phone"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await aliceLaptop.SendMessageAsync(chatId, "c2", "after sign-out");
        await Push.WaitForDeliveredAsync(tablet, m => m.Seq == 2);
        Assert.DoesNotContain(Push.AttemptsTo(phone), p => p.Message.Seq == 2);
    }

    [Fact]
    public async Task RemovingATokenThatIsNotThereIsNoContentAndABadDeviceIdABadRequest()
    {
        var bob = await E2E.RegisterAsync(BaseUri);
        using (var none = await DeleteTokenAsync(bob, "never-registered"))
        {
            Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        }

        using (var twice = await DeleteTokenAsync(bob, "never-registered"))
        {
            Assert.Equal(HttpStatusCode.NoContent, twice.StatusCode);
        }

        using var bad = await DeleteTokenAsync(bob, "bad.id");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task ANewDeviceOverTheCapDropsTheOneRegisteredLongestAgo()
    {
        var (alice, bob, chatId) = await DirectPairAsync(BaseUri);
        var first = await RegisterFcmTokenAsync(bob, "d1");
        var second = await RegisterFcmTokenAsync(bob, "d2");
        var third = await RegisterFcmTokenAsync(bob, "d3");

        // d1 registers again (an app does at every start): d2 is now the oldest, and goes.
        await bob.Api.SetPushTokenAsync("d1", "fcm", first);
        var fourth = await RegisterFcmTokenAsync(bob, "d4");

        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await aliceLaptop.SendMessageAsync(chatId, "c1", "who gets this");
        foreach (var kept in new[] { first, third, fourth })
        {
            await Push.WaitForDeliveredAsync(kept, m => m.Seq == 1);
        }

        Assert.Empty(Push.AttemptsTo(second));

        // Many more made-up device ids leave the newest three.
        var tokens = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            tokens.Add(await RegisterFcmTokenAsync(bob, $"many-{i}"));
        }

        await aliceLaptop.SendMessageAsync(chatId, "c2", "and this");
        foreach (var kept in tokens.TakeLast(PushDeviceCapGatewayFixture.MaxPushDevices))
        {
            await Push.WaitForDeliveredAsync(kept, m => m.Seq == 2);
        }

        foreach (var dropped in tokens.SkipLast(PushDeviceCapGatewayFixture.MaxPushDevices).Concat([first, third, fourth]))
        {
            Assert.DoesNotContain(Push.AttemptsTo(dropped), p => p.Message.Seq == 2);
        }
    }

    private async Task<HttpResponseMessage> DeleteTokenAsync(TestUser user, string deviceId)
    {
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = NotificationTestHelpers.Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        return await http.DeleteAsync($"api/v1/me/devices/{deviceId}/push-token");
    }
}
