using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;
using ClientSettings = ChatOrleans.Client.NotificationSettings;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// The embedded default has no push service or mail relay: its logging stand-ins say that a push
/// and an email would go out, with ids, counts and lengths, and never the message text, the
/// preview, the email address or the push token, at any level.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NotificationLogPrivacyTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?>
            {
                ["Notifications:CoalesceDelay"] = "00:00:00.200",
                ["Notifications:EmailDelayUnit"] = "00:00:00.200",

                // Everything this server's own code logs, down to Trace.
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Orleans"] = "Warning",
                ["Logging:LogLevel:Microsoft"] = "Warning",
                ["Logging:LogLevel:Polly"] = "Warning",
            },
            services =>
            {
                services.AddSingleton<ILoggerProvider>(_logs);
                services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Trace);
            });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task PushesAndEmailsOfTheEmbeddedDefaultLogNoMessageTextAddressOrToken()
    {
        var (alice, bob, chatId) = await DirectPairAsync(_gateway.BaseUri);
        var address = $"bob-{Guid.NewGuid():N}@example.com";
        await bob.Api.UpdateNotificationSettingsAsync(new ClientSettings(Push: true, Email: true, EmailAddress: address, EmailDelayMinutes: 1, Previews: true));
        var token = await RegisterFcmTokenAsync(bob, "phone");

        var secret = "the launch code is " + Guid.NewGuid().ToString("N");
        await using var aliceLaptop = await E2E.ConnectAsync(_gateway.BaseUri, alice, "laptop");
        await aliceLaptop.SendMessageAsync(chatId, "c1", secret);

        var push = Assert.Single(await _logs.WaitForAsync(e => e.EventId.Id == 2141, 1, NotificationTestHelpers.Timeout));
        var email = Assert.Single(await _logs.WaitForAsync(e => e.EventId.Id == 2142, 1, NotificationTestHelpers.Timeout));
        Assert.Equal(LogLevel.Information, push.Level);
        Assert.Contains(chatId, push.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Information, email.Level);

        var entries = _logs.Entries;
        Assert.NotEmpty(entries);
        foreach (var needle in new[] { secret, "launch code", address, token })
        {
            Assert.DoesNotContain(entries, e => e.Text.Contains(needle, StringComparison.Ordinal));
        }
    }
}
