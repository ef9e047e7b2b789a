namespace ChatOrleans.Gateway.Auth;

/// <summary>A budget of the auth edge is spent; the answer is <c>rate_limited</c> with <see cref="RetryAfter"/>.</summary>
public sealed class RateLimitedException(TimeSpan retryAfter, string message) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
