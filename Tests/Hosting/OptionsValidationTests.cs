using System.Reflection;
using ChatOrleans.Gateway;
using ChatOrleans.Grains.Chats;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Tests.Hosting;

/// <summary>
/// Every options class is checked when the process starts: the real embedded process (which reads
/// every section a silo or a gateway reads) refuses to start with one bad setting, and says which
/// setting, as it is configured (<c>Section:Key</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class OptionsValidationTests
{
    private const string ValidKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    private const string ShortKey = "c2hvcnQta2V5"; // 9 bytes

    [Theory]
    // Chat
    [InlineData("Chat:MaxGroupMembers", "0")]
    [InlineData("Chat:MaxReceiptGroupSize", "-1")]
    [InlineData("Chat:MaxWriteBatch", "0")]
    [InlineData("Chat:DedupeCacheSize", "-1")]
    [InlineData("Chat:MaxNameLength", "0")]
    [InlineData("Chat:MaxMentions", "-1")]
    // EventStreams
    [InlineData("EventStreams:Queues", "0")]
    [InlineData("EventStreams:PollPeriod", "00:00:00")]
    [InlineData("EventStreams:CacheRetention", "00:02:00")]
    // Notifications
    [InlineData("Notifications:CoalesceDelay", "-00:00:01")]
    [InlineData("Notifications:DeviceIdleAfter", "00:00:00")]
    [InlineData("Notifications:ReminderPeriod", "00:00:00")]
    [InlineData("Notifications:DispatchQueueCapacity", "0")]
    [InlineData("Notifications:DispatchWorkers", "0")]
    [InlineData("Notifications:SendTimeout", "00:00:00")]
    [InlineData("Notifications:MaxAttempts", "0")]
    // Orleans (the deployment)
    [InlineData("Orleans:Profile", "Production", "Orleans:Redis")]
    [InlineData("Orleans:Kubernetes", "true")]
    // Operator
    [InlineData("Operator:Username", "ops")]
    // Media
    [InlineData("Media:MaxUploadBytes", "0")]
    [InlineData("Media:MaxUploadBytesPerDay", "0")]
    [InlineData("Media:MaxPendingUploads", "0")]
    [InlineData("Media:UrlLifetime", "00:00:00")]
    [InlineData("Media:UploadUrlLifetime", "00:00:00")]
    [InlineData("Media:UnattachedRetention", "00:00:00")]
    [InlineData("Media:SweepPeriod", "00:00:00")]
    [InlineData("Media:ThumbnailMaxSide", "0")]
    [InlineData("Media:Store", "AzureBlob", "Media:Azure:ConnectionString")]
    [InlineData("Media:Local:SigningKey", ShortKey)]
    // Gateway
    [InlineData("Gateway:MaxFrameBytes", "0")]
    [InlineData("Gateway:SendsPerSecond", "0")]
    [InlineData("Gateway:SendBurst", "0")]
    [InlineData("Gateway:SendQueueFrames", "0")]
    [InlineData("Gateway:SendQueueBytes", "0")]
    [InlineData("Gateway:SendQueueDrainBytes", "-1")]
    [InlineData("Gateway:SendQueueDrainTimeout", "00:00:00")]
    [InlineData("Gateway:HistoryFetchesPerSecond", "0")]
    [InlineData("Gateway:HistoryFetchBurst", "0")]
    [InlineData("Gateway:UserSendsPerSecond", "0")]
    [InlineData("Gateway:UserSendBurst", "0")]
    [InlineData("Gateway:MaxDevicesPerUser", "0")]
    [InlineData("Gateway:ErrorLogsPerMinute", "0")]
    [InlineData("Gateway:DeliveredAckDelay", "-00:00:01")]
    // Api
    [InlineData("Api:MaxBodyBytes", "0")]
    [InlineData("Api:MaxIdsPerRequest", "0")]
    // Auth
    [InlineData("Auth:SigningKey", ShortKey)]
    [InlineData("Auth:PasswordHashIterations", "0")]
    [InlineData("Auth:PasswordHashConcurrency", "-1")]
    [InlineData("Auth:PasswordHashQueueLimit", "0")]
    [InlineData("Auth:LoginFailuresPerUsernamePerMinute", "0")]
    [InlineData("Auth:LoginFailuresPerAddressPerMinute", "0")]
    [InlineData("Auth:RegistrationsPerAddressPerMinute", "0")]
    [InlineData("Auth:MaxTrackedKeys", "0")]
    [InlineData("Auth:WsTicketLifetime", "00:00:00")]
    [InlineData("Auth:WsTicketsPerSecond", "0")]
    [InlineData("Auth:WsTicketBurst", "0")]
    [InlineData("Auth:WsConnectsPerSecond", "0")]
    [InlineData("Auth:WsConnectBurst", "0")]
    public async Task ABadSettingStopsTheStartAndIsNamed(string setting, string badValue, string? named = null)
    {
        var message = await StartFailure(new() { [setting] = badValue });

        Assert.Contains(named ?? setting, message, StringComparison.Ordinal);
    }

    /// <summary>A push or mail service is checked once it is configured: these rules span its settings.</summary>
    [Theory]
    [InlineData("Notifications:Apns:TeamId=TEAM123456", "Notifications:Apns:KeyId")]
    [InlineData("Notifications:Apns:TeamId=TEAM123456;Notifications:Apns:KeyId=KEY1234567;Notifications:Apns:BundleId=org.example.chat", "Notifications:Apns needs PrivateKey or PrivateKeyPath")]
    [InlineData("Notifications:Apns:TeamId=TEAM123456;Notifications:Apns:KeyId=KEY1234567;Notifications:Apns:PrivateKey=abc", "Notifications:Apns:BundleId")]
    [InlineData("Notifications:Fcm:ServiceAccountPath=/nonexistent/account.json", "Notifications:Fcm:ServiceAccountPath")]
    [InlineData("Notifications:WebPush:Subject=ops@example.com;Notifications:WebPush:KeyFile=/tmp/vapid.json", "Notifications:WebPush:Subject")]
    [InlineData("Notifications:WebPush:Subject=mailto:ops@example.com", "Notifications:WebPush needs PublicKey and PrivateKey, or a KeyFile")]
    [InlineData("Notifications:Smtp:Host=smtp.example.com", "Notifications:Smtp:From")]
    [InlineData("Notifications:Smtp:Host=smtp.example.com;Notifications:Smtp:From=chat@example.com;Notifications:Smtp:Port=0", "Notifications:Smtp:Port")]
    [InlineData("Notifications:Smtp:Host=smtp.example.com;Notifications:Smtp:From=chat@example.com;Notifications:Smtp:Username=chat", "Notifications:Smtp needs both Username and Password")]
    public async Task AHalfConfiguredServiceStopsTheStartAndSaysWhatItLacks(string settings, string named)
    {
        var values = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);

        var message = await StartFailure(values);

        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoodValuesOfTheSameSettingsStart()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = ValidKey,
            ["Media:Local:SigningKey"] = ValidKey,
            ["Gateway:DeliveredAckDelay"] = "00:00:00",
            ["Gateway:SendQueueDrainBytes"] = "0",
            ["Notifications:CoalesceDelay"] = "00:00:00",
            ["Chat:MaxMentions"] = "0",
            ["Operator:Username"] = "ops",
            ["Operator:Password"] = "secret",
        });

        using var http = new HttpClient();
        Assert.True((await http.GetAsync(new Uri(gateway.BaseUri, "healthz"))).IsSuccessStatusCode);
    }

    /// <summary>A new options class cannot slip in unchecked: each one has a generated validator beside it.</summary>
    [Fact]
    public void EveryOptionsClassHasAGeneratedValidator()
    {
        var assemblies = new[] { typeof(DeploymentOptions).Assembly, typeof(ChatOptions).Assembly, typeof(GatewayApp).Assembly };
        var types = assemblies.SelectMany(a => a.GetTypes()).ToList();
        var optionsClasses = types
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .Where(t => t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToList();
        Assert.True(optionsClasses.Count >= 13, $"Only {optionsClasses.Count} options classes found.");

        var validated = types
            .Where(t => t.GetCustomAttribute<OptionsValidatorAttribute>() is not null)
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToHashSet();
        var missing = optionsClasses.Where(t => !validated.Contains(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"No [OptionsValidator] for: {string.Join(", ", missing)}");
    }

    /// <summary>A message names the setting it belongs to, not a neighbour's: section and property as configured.</summary>
    [Fact]
    public void EveryRangeMessageNamesItsOwnSetting()
    {
        var ranged = new[] { typeof(DeploymentOptions).Assembly, typeof(ChatOptions).Assembly, typeof(GatewayApp).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .SelectMany(t => t.GetProperties().Select(p => (Type: t, Property: p, Range: p.GetCustomAttribute<SettingRangeAttribute>())))
            .Where(x => x.Range is not null)
            .ToList();
        Assert.True(ranged.Count >= 50, $"Only {ranged.Count} ranged settings found.");

        foreach (var (type, property, range) in ranged)
        {
            var setting = $"{type.GetField("SectionName")!.GetRawConstantValue()}:{property.Name} ";
            Assert.StartsWith(setting, range!.ErrorMessage, StringComparison.Ordinal);
        }
    }

    /// <summary>Starts the embedded process with <paramref name="settings"/> and returns what its refusal says.</summary>
    private static async Task<string> StartFailure(Dictionary<string, string?> settings)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var gateway = await TestGateway.StartAsync(settings);
        });

        // One bad section throws the validation failure itself; several at once come aggregated.
        var validation = Flatten(error).OfType<OptionsValidationException>().ToList();
        Assert.True(validation.Count > 0, $"The start failed, but not on a setting: {error}");
        return string.Join(Environment.NewLine, validation.Select(e => e.Message));
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        yield return error;
        var inner = error is AggregateException aggregate ? aggregate.InnerExceptions : error.InnerException is { } one ? [one] : [];
        foreach (var child in inner.SelectMany(Flatten))
        {
            yield return child;
        }
    }
}
