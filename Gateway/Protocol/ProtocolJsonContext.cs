using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOrleans.Gateway.Api;

namespace ChatOrleans.Gateway.Protocol;

/// <summary>
/// Source-generated metadata for every server frame and the public answers of <c>/api/v1</c>, so
/// the hot path (one <c>new_message</c> per send, serialised once per fan-out) runs no
/// reflection. Used through <see cref="ProtocolJson.Options"/>, which adds the time and enum
/// converters and the encoder; the settings here match those options so the generated
/// property names are the ones written.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WelcomeFrame))]
[JsonSerializable(typeof(NewMessageFrame))]
[JsonSerializable(typeof(MessageDeletedFrame))]
[JsonSerializable(typeof(ReadStateFrame))]
[JsonSerializable(typeof(ReceiptFrame))]
[JsonSerializable(typeof(TypingFrame))]
[JsonSerializable(typeof(ChatCreatedFrame))]
[JsonSerializable(typeof(MemberAddedFrame))]
[JsonSerializable(typeof(MemberRemovedFrame))]
[JsonSerializable(typeof(SyncDoneFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(AckFrame))]
[JsonSerializable(typeof(MessageAckFrame))]
[JsonSerializable(typeof(MessagesAckFrame))]
[JsonSerializable(typeof(MessageDto))]
[JsonSerializable(typeof(ChatDto))]
[JsonSerializable(typeof(MediaDto))]
[JsonSerializable(typeof(ProfileResponse))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(ChatResponse))]
[JsonSerializable(typeof(ChatListResponse))]
[JsonSerializable(typeof(MessageListResponse))]
[JsonSerializable(typeof(ChatLevelResponse))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(MediaResponse))]
[JsonSerializable(typeof(NotificationSettingsResponse))]
[JsonSerializable(typeof(WebPushKeyResponse))]
[JsonSerializable(typeof(ErrorResponse))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
