namespace ChatOrleans;

/// <summary>An event on a user's stream. All the user's connected devices see it.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.UserEvent")]
public abstract record UserEvent(string UserId);

[GenerateSerializer, Immutable, Alias("ChatOrleans.ReadStateEvent")]
public sealed record ReadStateEvent(string UserId, ReadState State) : UserEvent(UserId);

/// <summary>The user joined a chat (created it, or was added): the protocol's <c>chat_created</c>.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatJoinedEvent")]
public sealed record ChatJoinedEvent(string UserId, ChatView Chat) : UserEvent(UserId);

/// <summary>The user left or was removed from a chat: <c>member_removed</c> to the user's own devices.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatLeftEvent")]
public sealed record ChatLeftEvent(string UserId, string ChatId) : UserEvent(UserId);

/// <summary>A device opened a new session: any older session of that device closes with 4001.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.DeviceSessionStartedEvent")]
public sealed record DeviceSessionStartedEvent(string UserId, string DeviceId, string SessionId) : UserEvent(UserId);

/// <summary>
/// The user has more devices connected than allowed: this session, the least recently active,
/// closes with 4001 on whichever gateway holds it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.SessionEvictedEvent")]
public sealed record SessionEvictedEvent(string UserId, string DeviceId, string SessionId) : UserEvent(UserId);
