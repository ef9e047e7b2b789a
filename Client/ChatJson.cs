using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ChatOrleans.Client;

/// <summary>
/// Source-generated JSON metadata. Strict on purpose: a documented field that is missing, or <c>null</c>
/// where the protocol says it never is, fails parsing, so tests notice when the server breaks the contract.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Chat))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(IReadOnlyList<Message>))]
[JsonSerializable(typeof(Media))]
[JsonSerializable(typeof(AuthResult))]
[JsonSerializable(typeof(Me))]
[JsonSerializable(typeof(MediaUpload))]
[JsonSerializable(typeof(NotificationSettings))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(WelcomeEvent))]
[JsonSerializable(typeof(NewMessageEvent))]
[JsonSerializable(typeof(MessageDeletedEvent))]
[JsonSerializable(typeof(ReadStateEvent))]
[JsonSerializable(typeof(ReceiptEvent))]
[JsonSerializable(typeof(TypingEvent))]
[JsonSerializable(typeof(ChatCreatedEvent))]
[JsonSerializable(typeof(MemberAddedEvent))]
[JsonSerializable(typeof(MemberRemovedEvent))]
[JsonSerializable(typeof(SyncDoneEvent))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(CreateChatRequest))]
[JsonSerializable(typeof(AddMembersRequest))]
[JsonSerializable(typeof(CreateUploadRequest))]
[JsonSerializable(typeof(ChatLevelRequest))]
[JsonSerializable(typeof(PushTokenRequest))]
[JsonSerializable(typeof(ChatEnvelope))]
[JsonSerializable(typeof(ChatsEnvelope))]
[JsonSerializable(typeof(MessagesEnvelope))]
[JsonSerializable(typeof(MediaEnvelope))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;

/// <summary>The options and type metadata every part of the client uses.</summary>
internal static class ChatJson
{
    /// <summary>The generated options plus an encoder that leaves non-ASCII text as UTF-8, as browsers do.</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = MinimalJsonEncoder.Instance };

    public static readonly JsonTypeInfo<Chat> Chat = Get<Chat>();
    public static readonly JsonTypeInfo<Message> Message = Get<Message>();
    public static readonly JsonTypeInfo<IReadOnlyList<Message>> MessageList = Get<IReadOnlyList<Message>>();
    public static readonly JsonTypeInfo<AuthResult> AuthResult = Get<AuthResult>();
    public static readonly JsonTypeInfo<Me> Me = Get<Me>();
    public static readonly JsonTypeInfo<MediaUpload> MediaUpload = Get<MediaUpload>();
    public static readonly JsonTypeInfo<NotificationSettings> NotificationSettings = Get<NotificationSettings>();
    public static readonly JsonTypeInfo<JsonElement> Element = Get<JsonElement>();

    public static readonly JsonTypeInfo<WelcomeEvent> Welcome = Get<WelcomeEvent>();
    public static readonly JsonTypeInfo<NewMessageEvent> NewMessage = Get<NewMessageEvent>();
    public static readonly JsonTypeInfo<MessageDeletedEvent> MessageDeleted = Get<MessageDeletedEvent>();
    public static readonly JsonTypeInfo<ReadStateEvent> ReadState = Get<ReadStateEvent>();
    public static readonly JsonTypeInfo<ReceiptEvent> Receipt = Get<ReceiptEvent>();
    public static readonly JsonTypeInfo<TypingEvent> Typing = Get<TypingEvent>();
    public static readonly JsonTypeInfo<ChatCreatedEvent> ChatCreated = Get<ChatCreatedEvent>();
    public static readonly JsonTypeInfo<MemberAddedEvent> MemberAdded = Get<MemberAddedEvent>();
    public static readonly JsonTypeInfo<MemberRemovedEvent> MemberRemoved = Get<MemberRemovedEvent>();
    public static readonly JsonTypeInfo<SyncDoneEvent> SyncDone = Get<SyncDoneEvent>();
    public static readonly JsonTypeInfo<ErrorFrame> Error = Get<ErrorFrame>();

    public static readonly JsonTypeInfo<RegisterRequest> RegisterRequest = Get<RegisterRequest>();
    public static readonly JsonTypeInfo<LoginRequest> LoginRequest = Get<LoginRequest>();
    public static readonly JsonTypeInfo<CreateChatRequest> CreateChatRequest = Get<CreateChatRequest>();
    public static readonly JsonTypeInfo<AddMembersRequest> AddMembersRequest = Get<AddMembersRequest>();
    public static readonly JsonTypeInfo<CreateUploadRequest> CreateUploadRequest = Get<CreateUploadRequest>();
    public static readonly JsonTypeInfo<ChatLevelRequest> ChatLevelRequest = Get<ChatLevelRequest>();
    public static readonly JsonTypeInfo<PushTokenRequest> PushTokenRequest = Get<PushTokenRequest>();
    public static readonly JsonTypeInfo<ChatEnvelope> ChatEnvelope = Get<ChatEnvelope>();
    public static readonly JsonTypeInfo<ChatsEnvelope> ChatsEnvelope = Get<ChatsEnvelope>();
    public static readonly JsonTypeInfo<MessagesEnvelope> MessagesEnvelope = Get<MessagesEnvelope>();
    public static readonly JsonTypeInfo<MediaEnvelope> MediaEnvelope = Get<MediaEnvelope>();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(ChatJsonContext.Default.Options)
        {
            Encoder = MinimalJsonEncoder.Instance,
        };
        options.MakeReadOnly();
        return options;
    }

    private static JsonTypeInfo<T> Get<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}
