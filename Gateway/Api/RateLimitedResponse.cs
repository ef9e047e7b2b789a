using System.Globalization;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// HTTP 429 <c>rate_limited</c>: the protocol's error body with <c>retry_after_ms</c> in the error
/// object, and the same wait (in whole seconds, rounded up) in <c>Retry-After</c>. Each refusal is
/// counted in <c>chatorleans.rate_limit.refusals</c> under its <paramref name="budget"/>.
/// </summary>
public sealed class RateLimitedResponse(TimeSpan retryAfter, string message, string budget) : IResult
{
    public static Task WriteAsync(HttpContext context, TimeSpan retryAfter, string message, string budget) =>
        new RateLimitedResponse(retryAfter, message, budget).ExecuteAsync(context);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.RequestServices.GetRequiredService<ChatMetrics>().RateLimited(budget);
        var milliseconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        httpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        httpContext.Response.Headers.RetryAfter = ((milliseconds + 999) / 1000).ToString(CultureInfo.InvariantCulture);
        return httpContext.Response.WriteAsJsonAsync(
            new ErrorResponse(new ErrorBody(ErrorCodes.RateLimited, message, milliseconds)),
            Protocol.ProtocolJson.Options);
    }
}
