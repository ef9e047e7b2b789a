namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// A budget of the auth edge is spent; the answer is <c>rate_limited</c> with <see cref="RetryAfter"/>.
/// <see cref="Budget"/> names it in the refusal counter (<c>register</c>, <c>login</c>).
/// </summary>
public sealed class RateLimitedException(TimeSpan retryAfter, string message, string budget) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public string Budget { get; } = budget;
}
