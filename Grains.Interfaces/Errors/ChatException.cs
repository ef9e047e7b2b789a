namespace ChatOrleans;

/// <summary>
/// A refusal with a protocol error code. Grains throw it; the gateway turns it into an
/// <c>error</c> frame or an HTTP error body without logging it as a fault.
/// </summary>
[GenerateSerializer, Alias("ChatOrleans.ChatException")]
public sealed class ChatException : Exception
{
    public ChatException(string code, string message) : base(message) => Code = code;

    [Id(0)]
    public string Code { get; }

    public static ChatException Forbidden(string message) => new(ErrorCodes.Forbidden, message);
    public static ChatException NotFound(string message) => new(ErrorCodes.NotFound, message);
    public static ChatException BadRequest(string message) => new(ErrorCodes.BadRequest, message);
    public static ChatException Conflict(string message) => new(ErrorCodes.Conflict, message);
}
