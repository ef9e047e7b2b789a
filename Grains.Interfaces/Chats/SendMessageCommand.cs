namespace ChatOrleans;

/// <summary>A send as the gateway hands it to the chat, already checked for shape and size.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.SendMessageCommand")]
public sealed record SendMessageCommand(
    string SenderId,
    string SenderDeviceId,
    string ClientMsgId,
    string? Text,
    IReadOnlyList<string> MediaIds,
    string? ParentMessageId);
