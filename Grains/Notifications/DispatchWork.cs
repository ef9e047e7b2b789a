namespace ChatOrleans.Grains.Notifications;

/// <summary>One outbox item handed to the <see cref="NotificationDispatcher"/>, with the user to report back to.</summary>
public abstract record DispatchWork(string UserId, string OutgoingId)
{
    /// <summary>Attempts made so far.</summary>
    public int Attempts { get; init; }
}

public sealed record PushWork(string UserId, OutgoingPush Push) : DispatchWork(UserId, Push.Id);

public sealed record EmailWork(string UserId, OutgoingEmail Email) : DispatchWork(UserId, Email.Id);
