namespace ChatOrleans;

/// <summary>
/// A send as the gateway hands it to the chat, already checked for shape and size. When those
/// checks failed, <see cref="Refusal"/> says why and the content is left out (see <see cref="Refused"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.SendMessageCommand")]
public sealed record SendMessageCommand(
    string SenderId,
    string SenderDeviceId,
    string ClientMsgId,
    string? Text,
    IReadOnlyList<string> MediaIds,
    string? ParentMessageId,
    SendRefusal? Refusal = null)
{
    /// <summary>A send whose content the edge refused: the chat answers a retry with the original, anything else with the refusal.</summary>
    public static SendMessageCommand Refused(string senderId, string senderDeviceId, string clientMsgId, ChatException refusal) =>
        new(senderId, senderDeviceId, clientMsgId, null, [], null, new SendRefusal(refusal.Code, refusal.Message));
}
