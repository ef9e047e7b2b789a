using ChatOrleans.Notifications;
using ChatOrleans.Notifications.Senders;
using ChatOrleans.ServiceDefaults.Notifications;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>Which sender each configuration gets, and the logging stand-ins of the embedded profile.</summary>
[Trait("Category", "Integration")]
public sealed class NotificationSenderExtensionsTests
{
    [Fact]
    public async Task WithoutConfigurationEveryServiceIsALoggingStandIn()
    {
        var log = new CapturingLoggerProvider();
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(log));
        services.AddNotificationSenders(configuration);
        services.AddNotificationSenders(configuration);
        using var provider = services.BuildServiceProvider();

        var senders = provider.GetServices<IPushSender>().ToArray();
        Assert.Equal([PushPlatform.Apns, PushPlatform.Fcm, PushPlatform.WebPush], senders.Select(s => s.Platform).Order());
        Assert.All(senders, s => Assert.IsType<LoggingPushSender>(s));
        Assert.IsType<LoggingEmailSender>(provider.GetRequiredService<IEmailSender>());

        var outcome = await provider.Sender(PushPlatform.Fcm).SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-0123456789"), Alert, CancellationToken.None);
        await provider.GetRequiredService<IEmailSender>().SendAsync(new EmailMessage("ada@example.org", "3 unread", "Grace: hi"), CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        // Ids, counts and lengths only: never the preview, the token, the address or the text.
        Assert.Contains(log.Entries.Select(e => e.Message), m => m.Contains("Fcm", StringComparison.Ordinal) && m.Contains("c_42", StringComparison.Ordinal));
        Assert.Contains(log.Entries.Select(e => e.Message), m => m.StartsWith("Email", StringComparison.Ordinal));
        foreach (var text in new[] { "Lunch at noon?", "Ada", "fcm-token-0123456789", "ada@example.org", "3 unread", "Grace: hi" })
        {
            Assert.DoesNotContain(log.Entries.Select(e => e.Message), m => m.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AHalfConfiguredServiceStopsTheHostFromStarting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Notifications:Apns:TeamId"] = "TEAM123456" });
        builder.Services.AddNotificationSenders(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("KeyId", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Notifications:Smtp:Host", "smtp.example.com", "From")]
    [InlineData("Notifications:WebPush:Subject", "mailto:ops@example.com", "KeyFile")]
    [InlineData("Notifications:Fcm:ServiceAccountPath", "/nonexistent/account.json", "no file")]
    public void EachServiceSaysWhatItsConfigurationLacks(string key, string value, string expected)
    {
        using var provider = Services(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<SmtpOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<WebPushOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<FcmOptions>>().Value;
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
