namespace ChatOrleans;

/// <summary>The one place that names the stream provider and its namespaces.</summary>
public static class StreamNames
{
    /// <summary>The stream provider that carries chat and user events to the gateways.</summary>
    public const string Provider = "ChatEvents";

    /// <summary>One stream per chat (key: chat id): messages, deletions, typing, receipts, membership.</summary>
    public const string ChatNamespace = "chat";

    /// <summary>One stream per user (key: user id): read state, chats joined and left, device sessions.</summary>
    public const string UserNamespace = "user";
}
