using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.Api;

// The answers of /api/v1 as types, so the OpenAPI document shows their shapes; written with
// ProtocolJson.Options (snake_case names, in this order).

/// <summary>A user's public profile: <c>GET /me</c>, and inside <see cref="UserResponse"/>.</summary>
public sealed record ProfileResponse(string UserId, string Username, string? DisplayName);

/// <summary><c>{"user": profile}</c> of the user look-ups.</summary>
public sealed record UserResponse(ProfileResponse User);

/// <summary><c>{"chat": chat}</c>.</summary>
public sealed record ChatResponse(ChatDto Chat);

/// <summary><c>{"chats": [chat]}</c>, newest activity first.</summary>
public sealed record ChatListResponse(IReadOnlyList<ChatDto> Chats);

/// <summary><c>{"messages": [message]}</c>, ascending by <c>seq</c>.</summary>
public sealed record MessageListResponse(IReadOnlyList<MessageDto> Messages);

/// <summary>The caller's notification level for one chat.</summary>
public sealed record ChatLevelResponse(string ChatId, string Level);

/// <summary>An opened upload: the client PUTs the bytes to <see cref="UploadUrl"/> with exactly <see cref="UploadHeaders"/>.</summary>
public sealed record UploadResponse(string MediaId, string UploadUrl, string UploadMethod, IReadOnlyDictionary<string, string> UploadHeaders, DateTimeOffset ExpiresAt);

/// <summary><c>{"media": media}</c>.</summary>
public sealed record MediaResponse(MediaDto Media);

/// <summary>The caller's notification settings.</summary>
public sealed record NotificationSettingsResponse(bool Push, bool Email, string? EmailAddress, int EmailDelayMinutes, bool Previews)
{
    public static NotificationSettingsResponse From(NotificationSettings settings) =>
        new(settings.Push, settings.Email, settings.EmailAddress, settings.EmailDelayMinutes, settings.Previews);
}

/// <summary>The VAPID public key (base64url) a browser passes to <c>pushManager.subscribe</c>.</summary>
public sealed record WebPushKeyResponse(string PublicKey);
