using ChatOrleans.Notifications;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// A real gateway whose outbound push (FCM) and email services are recording test doubles;
/// everything else is the real process. Subclasses choose the pipeline's timing.
/// </summary>
public abstract class NotificationGatewayFixture : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public RecordingPushSender Push { get; } = new(PushPlatform.Fcm);

    public RecordingEmailSender Email { get; } = new();

    public Uri BaseUri => Gateway.BaseUri;

    protected abstract IDictionary<string, string?> Settings { get; }

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(Settings, services =>
        {
            services.AddSingleton<IPushSender>(Push);
            services.AddSingleton<IEmailSender>(Email);
        });

    public async Task DisposeAsync()
    {
        Push.Release();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

public static class NotificationTestHelpers
{
    /// <summary>How long any single wait for a push, an email or a presence change may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Registers a fresh FCM token for a device of the user and returns it.</summary>
    public static async Task<string> RegisterFcmTokenAsync(TestUser user, string deviceId)
    {
        var token = "fcm-" + Guid.NewGuid().ToString("N");
        await user.Api.SetPushTokenAsync(deviceId, "fcm", token);
        return token;
    }

    /// <summary>Waits until the pipeline no longer counts the device as present (its disconnect has arrived).</summary>
    public static async Task WaitNotPresentAsync(TestGateway gateway, string userId, string deviceId)
    {
        var inbox = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<INotificationInboxGrain>(userId);
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while ((await inbox.GetActiveDevices()).Contains(deviceId))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Device {deviceId} still counts as present.");
            }

            await Task.Delay(20);
        }
    }

    public static async Task<(TestUser Alice, TestUser Bob, string ChatId)> DirectPairAsync(Uri baseUri)
    {
        var users = await E2E.RegisterManyAsync(baseUri, 2);
        var chat = await users[0].Api.CreateDirectChatAsync(users[1].UserId);
        return (users[0], users[1], chat.Chat.ChatId);
    }

    /// <summary>A push that carries one message only (no "and N more"): nothing else was coalesced into it.</summary>
    public static bool IsSingle(PushMessage message) => message.Body is { } body && !body.Contains("more)", StringComparison.Ordinal);
}
