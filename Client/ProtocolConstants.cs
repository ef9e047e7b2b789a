namespace ChatOrleans.Client;

/// <summary>Values of <see cref="Chat.Kind"/>.</summary>
public static class ChatKinds
{
    /// <summary>A chat between exactly two users.</summary>
    public const string Direct = "direct";

    /// <summary>A named chat with an owner.</summary>
    public const string Group = "group";
}

/// <summary>Values of <see cref="Chat.Level"/> and of the chat notification setting.</summary>
public static class NotificationLevels
{
    /// <summary>Notify on every message.</summary>
    public const string All = "all";

    /// <summary>Notify on mentions only.</summary>
    public const string Mentions = "mentions";

    /// <summary>Never notify; the chat does not count towards <c>badge_count</c>.</summary>
    public const string None = "none";
}

/// <summary>Values of <see cref="Media.Status"/> the protocol names.</summary>
public static class MediaStatuses
{
    /// <summary>Checked and usable in messages.</summary>
    public const string Ready = "ready";

    /// <summary>Refused; see <see cref="Media.RejectReason"/>.</summary>
    public const string Rejected = "rejected";
}

/// <summary>Values of the <c>state</c> of typing frames.</summary>
public static class TypingStates
{
    /// <summary>The user started typing (lapses after 6 s unless repeated).</summary>
    public const string Start = "start";

    /// <summary>The user stopped typing.</summary>
    public const string Stop = "stop";
}

/// <summary>Protocol error codes, shared by HTTP and the WebSocket.</summary>
public static class ErrorCodes
{
    /// <summary>400: malformed or invalid input.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>401: missing, bad or expired credentials.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: the thing exists but is not the caller's.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>404: unknown id.</summary>
    public const string NotFound = "not_found";

    /// <summary>409: conflicts with the current state.</summary>
    public const string Conflict = "conflict";

    /// <summary>413: over a size limit.</summary>
    public const string TooLarge = "too_large";

    /// <summary>415: refused content type.</summary>
    public const string UnsupportedType = "unsupported_type";

    /// <summary>429: over a rate limit (with <c>retry_after_ms</c>).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>503: temporarily unable to serve.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>500: a server fault.</summary>
    public const string Internal = "internal";
}

/// <summary>WebSocket close codes the server uses.</summary>
public static class ChatCloseCodes
{
    /// <summary>Another connection with the same user and device id replaced this one.</summary>
    public const int Replaced = 4001;

    /// <summary>The access token expired.</summary>
    public const int TokenExpired = 4401;
}
