namespace ChatOrleans.Client;

/// <summary>The answer to creating a direct chat.</summary>
/// <param name="Chat">The one direct chat of the pair.</param>
/// <param name="Created"><c>true</c> when the server created it (201), <c>false</c> when it existed (200).</param>
public sealed record DirectChatResult(Chat Chat, bool Created);
