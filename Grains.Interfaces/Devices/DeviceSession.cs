namespace ChatOrleans;

/// <summary>
/// What a connection needs to replay: whether this is the device's first connection, when its
/// previous connection began, and its delivery position in each of the user's chats.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.DeviceSession")]
public sealed record DeviceSession(
    string SessionId,
    bool FirstConnection,
    DateTimeOffset? PreviousConnectionStartedAt,
    IReadOnlyDictionary<string, long> Positions);
