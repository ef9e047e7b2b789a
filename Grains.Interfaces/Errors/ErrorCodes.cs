namespace ChatOrleans;

/// <summary>The protocol's error codes (PROTOCOL.md), shared by HTTP and WebSocket answers.</summary>
public static class ErrorCodes
{
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string TooLarge = "too_large";
    public const string UnsupportedType = "unsupported_type";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
}
