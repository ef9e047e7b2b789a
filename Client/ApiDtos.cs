using System.Text.Json;

namespace ChatOrleans.Client;

// Request bodies and answer envelopes of the HTTP API; internal because callers see the unwrapped values.

internal sealed record RegisterRequest(string Username, string Password, string? DisplayName);

internal sealed record LoginRequest(string Username, string Password);

internal sealed record CreateChatRequest(string Kind, string? Name, IReadOnlyList<string> MemberIds);

internal sealed record AddMembersRequest(IReadOnlyList<string> UserIds);

internal sealed record CreateUploadRequest(string FileName, string ContentType, long SizeBytes);

internal sealed record ChatLevelRequest(string Level);

internal sealed record PushTokenRequest(string Platform, JsonElement Token);

internal sealed record ChatEnvelope(Chat Chat);

internal sealed record ChatsEnvelope(IReadOnlyList<Chat> Chats);

internal sealed record MessagesEnvelope(IReadOnlyList<Message> Messages);

internal sealed record MediaEnvelope(Media Media);

/// <summary>Lenient shape of an <c>error</c> frame: a bad one must not stop the request it answers from failing.</summary>
internal sealed class ErrorFrame
{
    public string? ReqId { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }

    public long? RetryAfterMs { get; set; }
}
