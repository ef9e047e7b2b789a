namespace ChatOrleans.Notifications;

/// <summary>The push services a device token can belong to.</summary>
public enum PushPlatform
{
    Apns,
    Fcm,
    WebPush,
}

/// <summary>A device's push address. For Web Push, <see cref="Token"/> is the subscription JSON.</summary>
public sealed record PushToken(PushPlatform Platform, string Token);

/// <summary>
/// One push to one device. A silent push (<see cref="Silent"/>) carries only the badge, so the
/// platform updates the app's count without alerting.
/// </summary>
public sealed record PushMessage(
    string? Title,
    string? Body,
    string? ChatId,
    string? SenderId,
    long? Seq,
    int Badge,
    bool Silent);

/// <summary>What the push service said. <see cref="InvalidToken"/> means the token must be forgotten.</summary>
public enum PushOutcome
{
    Delivered,
    InvalidToken,
    Failed,
}

/// <summary>The client of one push service.</summary>
public interface IPushSender
{
    PushPlatform Platform { get; }

    Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken);
}

/// <summary>One plain-text email.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody);

/// <summary>Sends email; throws when the relay refuses or cannot be reached.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
