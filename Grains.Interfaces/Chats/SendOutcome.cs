namespace ChatOrleans;

/// <summary>
/// What became of one send of <see cref="IChatGrain.SendInOrder"/>: the stored message (a retry's
/// original included), or why it was refused (a <see cref="ChatException"/>'s code and message).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.SendOutcome")]
public sealed record SendOutcome(ChatMessage? Message, SendRefusal? Refusal)
{
    public static SendOutcome Stored(ChatMessage message) => new(message, null);

    public static SendOutcome Refused(string code, string message) => new(null, new SendRefusal(code, message));
}
