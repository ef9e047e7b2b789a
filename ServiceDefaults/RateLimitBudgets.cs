namespace ChatOrleans.ServiceDefaults;

/// <summary>The values of the <c>budget</c> tag of <c>chatorleans.rate_limit.refusals</c>: one per budget that can refuse.</summary>
public static class RateLimitBudgets
{
    /// <summary><c>send_message</c> frames, per device and per user.</summary>
    public const string Send = "send";

    /// <summary><c>fetch_history</c> frames, per device.</summary>
    public const string History = "history";

    /// <summary>WebSocket connection attempts, per user.</summary>
    public const string WsConnect = "ws_connect";

    /// <summary><c>POST /api/v1/ws-tickets</c>, per user.</summary>
    public const string WsTicket = "ws_ticket";

    /// <summary>Failed sign-ins, per username and per address.</summary>
    public const string Login = "login";

    /// <summary>Registrations, per address.</summary>
    public const string Register = "register";

    /// <summary>Upload reservations: bytes a day and pending uploads, per user.</summary>
    public const string Upload = "upload";
}
