using System.Net;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Observability;

/// <summary>Log levels come from configuration: an operator can switch request logs on, and they hold no query string.</summary>
[Trait("Category", "Integration")]
public sealed class RequestLoggingTests
{
    [Fact]
    public async Task MicrosoftAspNetCoreAtInformationLogsRequestsWithoutTheirQueryString()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information" },
            services => services.AddSingleton<ILoggerProvider>(logs));
        const string Secret = "s3cr3tQueryValue";
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        using (var response = await http.GetAsync($"healthz?access_token={Secret}"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var lines = await logs.WaitForAsync(
            l => l.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal) && l.Text.Contains("/healthz", StringComparison.Ordinal),
            1,
            Proto.Timeout);
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(logs.Entries, l => l.Text.Contains(Secret, StringComparison.Ordinal));
    }
}
