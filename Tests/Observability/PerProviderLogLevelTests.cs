using System.Net;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// A level given to one provider (<c>Logging:Console:LogLevel:…</c>) beats every general rule for
/// that provider; the categories that write query strings must stay quiet under it as well.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PerProviderLogLevelTests
{
    [Fact]
    public async Task APerProviderLevelForMicrosoftAspNetCoreWritesNoQueryString()
    {
        var logs = new CapturingLoggerProvider();
        var provider = typeof(CapturingLoggerProvider).FullName!;
        await using var gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?> { [$"Logging:{provider}:LogLevel:Microsoft.AspNetCore"] = "Trace" },
            services => services.AddSingleton<ILoggerProvider>(logs));
        var secret = "q" + Guid.NewGuid().ToString("N");
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        using (var response = await http.GetAsync($"healthz?access_token={secret}"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The provider's own level took effect: the web stack's trace lines reach it.
        await logs.WaitForAsync(
            l => l.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal) && l.Text.Contains("/healthz", StringComparison.Ordinal),
            1,
            Proto.Timeout);
        Assert.Contains(logs.Entries, l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && l.Level == LogLevel.Trace);
        Assert.DoesNotContain(logs.Entries, l => l.Category.StartsWith("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) && l.Level < LogLevel.Warning);
        var leak = logs.Entries.FirstOrDefault(l => l.Text.Contains(secret, StringComparison.Ordinal));
        Assert.True(leak is null, $"[{leak?.Category}] {leak?.Text}");
    }
}
