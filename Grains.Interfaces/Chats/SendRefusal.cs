namespace ChatOrleans;

/// <summary>
/// Why the edge refused a send's content (a <see cref="ChatException"/>'s code and message). The
/// chat still sees the send: a retry of a message it stored gets the original whatever its new
/// content, and only the chat knows what it stored.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.SendRefusal")]
public sealed record SendRefusal(string Code, string Message);
