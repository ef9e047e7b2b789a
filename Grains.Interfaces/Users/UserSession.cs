namespace ChatOrleans;

/// <summary>One connected session of a user: the device, its current session, when it connected and when it was last active.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.UserSession")]
public sealed record UserSession(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string SessionId,
    [property: Id(2)] DateTimeOffset ConnectedAt,
    [property: Id(3)] DateTimeOffset LastActiveAt);
