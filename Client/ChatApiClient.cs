using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatOrleans.Client;

/// <summary>
/// The HTTP API (<c>/api/v1</c>) for one user. After <see cref="RegisterAsync"/> or <see cref="LoginAsync"/> it
/// keeps the access token and sends it as <c>Authorization: Bearer</c>. The token is set per request, so many
/// instances may share one <see cref="HttpClient"/>. Non-success answers throw <see cref="ChatApiException"/>.
/// </summary>
public sealed class ChatApiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _root;
    private readonly Uri _api;

    /// <summary>Creates a client with its own <see cref="HttpClient"/>.</summary>
    /// <param name="baseUri">The server's root, e.g. <c>http://localhost:5000/</c>.</param>
    public ChatApiClient(Uri baseUri)
        : this(baseUri, new HttpClient(), ownsClient: true)
    {
    }

    /// <summary>Creates a client over a caller-owned <see cref="HttpClient"/> (not disposed by this client).</summary>
    /// <param name="baseUri">The server's root. Requests use absolute URIs, so the client's <c>BaseAddress</c> is ignored.</param>
    /// <param name="httpClient">The client to send with, e.g. <c>WebApplicationFactory.CreateClient()</c>.</param>
    public ChatApiClient(Uri baseUri, HttpClient httpClient)
        : this(baseUri, httpClient, ownsClient: false)
    {
    }

    /// <summary>Creates a client over a message handler, e.g. <c>TestServer.CreateHandler()</c>.</summary>
    /// <param name="baseUri">The server's root.</param>
    /// <param name="handler">The handler to send through.</param>
    /// <param name="disposeHandler">Whether disposing this client disposes <paramref name="handler"/>.</param>
    public ChatApiClient(Uri baseUri, HttpMessageHandler handler, bool disposeHandler = false)
        : this(baseUri, new HttpClient(handler, disposeHandler), ownsClient: true)
    {
    }

    private ChatApiClient(Uri baseUri, HttpClient httpClient, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(httpClient);
        _root = EnsureTrailingSlash(baseUri);
        _api = new Uri(_root, "api/v1/");
        _http = httpClient;
        _ownsClient = ownsClient;
    }

    /// <summary>The server's root URI.</summary>
    public Uri BaseUri => _root;

    /// <summary>The bearer token sent on every call but <c>auth/*</c>; set by register and login, or by hand.</summary>
    public string? AccessToken { get; set; }

    /// <summary>The user id from the last register or login.</summary>
    public string? UserId { get; set; }

    /// <summary>The status of the most recent answer this client received.</summary>
    public HttpStatusCode? LastStatusCode { get; private set; }

    /// <summary><c>POST /auth/register</c> (201). Keeps the token and user id.</summary>
    /// <param name="username">3–32 of <c>[a-z0-9_.-]</c>.</param>
    /// <param name="password">8–128 characters.</param>
    /// <param name="displayName">Defaults to the username on the server when <c>null</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new user's id and token.</returns>
    public async Task<AuthResult> RegisterAsync(string username, string password, string? displayName = null, CancellationToken cancellationToken = default)
    {
        AuthResult result = await SendAsync(
            HttpMethod.Post, Api("auth/register"), new RegisterRequest(username, password, displayName),
            ChatJson.RegisterRequest, ChatJson.AuthResult, authenticate: false, cancellationToken).ConfigureAwait(false);
        Remember(result);
        return result;
    }

    /// <summary><c>POST /auth/login</c> (200). Keeps the token and user id.</summary>
    /// <param name="username">The username.</param>
    /// <param name="password">The password.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The user's id and a fresh token.</returns>
    public async Task<AuthResult> LoginAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        AuthResult result = await SendAsync(
            HttpMethod.Post, Api("auth/login"), new LoginRequest(username, password),
            ChatJson.LoginRequest, ChatJson.AuthResult, authenticate: false, cancellationToken).ConfigureAwait(false);
        Remember(result);
        return result;
    }

    /// <summary><c>GET /me</c>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The caller's profile.</returns>
    public Task<Me> GetMeAsync(CancellationToken cancellationToken = default) =>
        GetAsync(Api("me"), ChatJson.Me, cancellationToken);

    /// <summary><c>POST /chats</c> with <c>kind:"direct"</c>: the one direct chat of the caller and <paramref name="otherUserId"/>.</summary>
    /// <param name="otherUserId">The other user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The chat, and whether it was created (201) rather than found (200).</returns>
    public async Task<DirectChatResult> CreateDirectChatAsync(string otherUserId, CancellationToken cancellationToken = default)
    {
        var body = new CreateChatRequest(ChatKinds.Direct, null, [otherUserId]);
        using HttpResponseMessage response = await SendCoreAsync(
            HttpMethod.Post, Api("chats"), JsonBody(body, ChatJson.CreateChatRequest), authenticate: true, cancellationToken).ConfigureAwait(false);
        ChatEnvelope envelope = await ReadAsync(response, ChatJson.ChatEnvelope, cancellationToken).ConfigureAwait(false);
        return new DirectChatResult(envelope.Chat, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary><c>POST /chats</c> with <c>kind:"group"</c> (201); the caller becomes owner and member.</summary>
    /// <param name="name">The group's name.</param>
    /// <param name="memberIds">The other members, in the order that decides ownership succession.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new chat.</returns>
    public async Task<Chat> CreateGroupAsync(string name, IEnumerable<string> memberIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memberIds);
        var body = new CreateChatRequest(ChatKinds.Group, name, [.. memberIds]);
        ChatEnvelope envelope = await SendAsync(
            HttpMethod.Post, Api("chats"), body, ChatJson.CreateChatRequest, ChatJson.ChatEnvelope, authenticate: true, cancellationToken).ConfigureAwait(false);
        return envelope.Chat;
    }

    /// <summary><c>GET /chats</c>: the caller's chats.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The chats.</returns>
    public async Task<IReadOnlyList<Chat>> GetChatsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync(Api("chats"), ChatJson.ChatsEnvelope, cancellationToken).ConfigureAwait(false)).Chats;

    /// <summary><c>GET /chats/{chat_id}</c>.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The chat.</returns>
    public async Task<Chat> GetChatAsync(string chatId, CancellationToken cancellationToken = default) =>
        (await GetAsync(Api($"chats/{Escape(chatId)}"), ChatJson.ChatEnvelope, cancellationToken).ConfigureAwait(false)).Chat;

    /// <summary><c>POST /chats/{chat_id}/members</c> (groups only).</summary>
    /// <param name="chatId">The group.</param>
    /// <param name="userIds">The users to add.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The chat after the change.</returns>
    public async Task<Chat> AddMembersAsync(string chatId, IEnumerable<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ChatEnvelope envelope = await SendAsync(
            HttpMethod.Post, Api($"chats/{Escape(chatId)}/members"), new AddMembersRequest([.. userIds]),
            ChatJson.AddMembersRequest, ChatJson.ChatEnvelope, authenticate: true, cancellationToken).ConfigureAwait(false);
        return envelope.Chat;
    }

    /// <summary><c>DELETE /chats/{chat_id}/members/{user_id}</c> (204): leave, or remove a member as owner.</summary>
    /// <param name="chatId">The group.</param>
    /// <param name="userId">The member to remove (the caller's own id to leave).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has answered.</returns>
    public async Task RemoveMemberAsync(string chatId, string userId, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await SendCoreAsync(
            HttpMethod.Delete, Api($"chats/{Escape(chatId)}/members/{Escape(userId)}"), null, authenticate: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /chats/{chat_id}/messages</c>: history, ascending by <c>seq</c>, deleted messages left out.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="beforeSeq">The latest <paramref name="limit"/> below this <c>seq</c>.</param>
    /// <param name="afterSeq">The first <paramref name="limit"/> above this <c>seq</c> (and below <paramref name="beforeSeq"/> when both are given).</param>
    /// <param name="limit">Page size; the server defaults to 50 and clamps to 200.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The messages.</returns>
    public async Task<IReadOnlyList<Message>> GetMessagesAsync(
        string chatId, long? beforeSeq = null, long? afterSeq = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var path = new StringBuilder("chats/").Append(Escape(chatId)).Append("/messages");
        char separator = '?';
        AppendQuery(path, ref separator, "before_seq", beforeSeq);
        AppendQuery(path, ref separator, "after_seq", afterSeq);
        AppendQuery(path, ref separator, "limit", limit);
        return (await GetAsync(Api(path.ToString()), ChatJson.MessagesEnvelope, cancellationToken).ConfigureAwait(false)).Messages;
    }

    /// <summary><c>POST /media/uploads</c> (201): asks for an upload slot.</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="contentType">The MIME type.</param>
    /// <param name="sizeBytes">The exact size that will be uploaded.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Where and how to upload.</returns>
    public Task<MediaUpload> CreateUploadAsync(string fileName, string contentType, long sizeBytes, CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Post, Api("media/uploads"), new CreateUploadRequest(fileName, contentType, sizeBytes),
            ChatJson.CreateUploadRequest, ChatJson.MediaUpload, authenticate: true, cancellationToken);

    /// <summary>Sends the bytes to an upload slot with exactly its <c>upload_headers</c> (no bearer token).</summary>
    /// <param name="upload">The slot from <see cref="CreateUploadAsync"/>.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the store has accepted the bytes.</returns>
    public async Task UploadAsync(MediaUpload upload, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var uri = new Uri(_root, upload.UploadUrl);
        var body = new ReadOnlyMemoryContent(content);
        using var request = new HttpRequestMessage(new HttpMethod(upload.UploadMethod), uri) { Content = body };
        foreach ((string name, string value) in upload.UploadHeaders)
        {
            // Content-Type, Content-Length and the like belong on the content; everything else on the request.
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                body.Headers.Remove(name);
                body.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        LastStatusCode = response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            throw await CreateExceptionAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>POST /media/{media_id}/complete</c>: the server checks the stored object.</summary>
    /// <param name="mediaId">The media.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The media, <c>ready</c> or <c>rejected</c>.</returns>
    public async Task<Media> CompleteUploadAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await SendCoreAsync(
            HttpMethod.Post, Api($"media/{Escape(mediaId)}/complete"), null, authenticate: true, cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(response, ChatJson.MediaEnvelope, cancellationToken).ConfigureAwait(false)).Media;
    }

    /// <summary>Create, upload and complete in one call.</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="contentType">The MIME type.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The completed media.</returns>
    public async Task<Media> UploadMediaAsync(string fileName, string contentType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        MediaUpload upload = await CreateUploadAsync(fileName, contentType, content.Length, cancellationToken).ConfigureAwait(false);
        await UploadAsync(upload, content, cancellationToken).ConfigureAwait(false);
        return await CompleteUploadAsync(upload.MediaId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /media/{media_id}</c>: the media with fresh signed URLs.</summary>
    /// <param name="mediaId">The media.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The media.</returns>
    public async Task<Media> GetMediaAsync(string mediaId, CancellationToken cancellationToken = default) =>
        (await GetAsync(Api($"media/{Escape(mediaId)}"), ChatJson.MediaEnvelope, cancellationToken).ConfigureAwait(false)).Media;

    /// <summary><c>GET /me/notification-settings</c>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The settings: <c>push</c>, <c>email</c>, <c>email_address</c>, <c>email_delay_minutes</c>, <c>previews</c>.</returns>
    public Task<JsonElement> GetNotificationSettingsAsync(CancellationToken cancellationToken = default) =>
        GetAsync(Api("me/notification-settings"), ChatJson.Element, cancellationToken);

    /// <summary><c>PUT /me/notification-settings</c>.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The settings as the server answered them.</returns>
    public Task<JsonElement> UpdateNotificationSettingsAsync(NotificationSettings settings, CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Put, Api("me/notification-settings"), settings,
            ChatJson.NotificationSettings, ChatJson.Element, authenticate: true, cancellationToken);

    /// <summary><c>PUT /chats/{chat_id}/notification-settings</c>.</summary>
    /// <param name="chatId">The chat.</param>
    /// <param name="level"><c>all</c>, <c>mentions</c> or <c>none</c>; see <see cref="NotificationLevels"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The server's answer.</returns>
    public Task<JsonElement> SetChatNotificationLevelAsync(string chatId, string level, CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Put, Api($"chats/{Escape(chatId)}/notification-settings"), new ChatLevelRequest(level),
            ChatJson.ChatLevelRequest, ChatJson.Element, authenticate: true, cancellationToken);

    /// <summary><c>PUT /me/devices/{device_id}/push-token</c> (204) for <c>apns</c> or <c>fcm</c>.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="platform"><c>apns</c> or <c>fcm</c>.</param>
    /// <param name="token">The platform's token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has answered.</returns>
    public Task SetPushTokenAsync(string deviceId, string platform, string token, CancellationToken cancellationToken = default) =>
        SetPushTokenAsync(deviceId, platform, JsonSerializer.SerializeToElement(token, ChatJsonContext.Default.String), cancellationToken);

    /// <summary><c>PUT /me/devices/{device_id}/push-token</c> (204); for <c>webpush</c> the token is the subscription object.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="platform"><c>apns</c>, <c>fcm</c> or <c>webpush</c>.</param>
    /// <param name="token">The token as JSON (a string, or the Web Push subscription object).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has answered.</returns>
    public async Task SetPushTokenAsync(string deviceId, string platform, JsonElement token, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await SendCoreAsync(
            HttpMethod.Put, Api($"me/devices/{Escape(deviceId)}/push-token"),
            JsonBody(new PushTokenRequest(platform, token), ChatJson.PushTokenRequest), authenticate: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /healthz</c>. Does not throw on a non-success status.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The HTTP status (200 when the process can serve).</returns>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public async Task<HttpStatusCode> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri(_root, "healthz"), cancellationToken).ConfigureAwait(false);
        LastStatusCode = response.StatusCode;
        return response.StatusCode;
    }

    /// <summary>
    /// Sends any request, for tests of malformed input. Never throws on a status; the caller disposes the answer.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="relativeUri">Relative to the server's root, e.g. <c>api/v1/chats</c>.</param>
    /// <param name="jsonBody">The body, sent as <c>application/json</c>, or <c>null</c> for none.</param>
    /// <param name="authenticate">Whether to send the bearer token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response.</returns>
    public async Task<HttpResponseMessage> SendRawAsync(
        HttpMethod method, string relativeUri, string? jsonBody = null, bool authenticate = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativeUri);
        using var request = new HttpRequestMessage(method, new Uri(_root, relativeUri.TrimStart('/')));
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        if (authenticate && AccessToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        LastStatusCode = response.StatusCode;
        return response;
    }

    /// <summary>Disposes the <see cref="HttpClient"/> if this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    internal static Uri EnsureTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private static string Escape(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return Uri.EscapeDataString(segment);
    }

    private static void AppendQuery(StringBuilder path, ref char separator, string name, long? value)
    {
        if (value is { } v)
        {
            path.Append(separator).Append(name).Append('=').Append(v.ToString(CultureInfo.InvariantCulture));
            separator = '&';
        }
    }

    private static ByteArrayContent JsonBody<T>(T body, JsonTypeInfo<T> info)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, info));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, info, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"HTTP {(int)response.StatusCode} answered with a null body.");
        }
    }

    private static async Task<ChatApiException> CreateExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? code = null;
        string? message = null;
        long? retryAfterMs = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("error", out JsonElement error)
                && error.ValueKind == JsonValueKind.Object)
            {
                code = GetString(error, "code");
                message = GetString(error, "message");
                retryAfterMs = GetInt64(error, "retry_after_ms") ?? GetInt64(root, "retry_after_ms");
            }
        }
        catch (JsonException)
        {
            // Not a protocol error body (e.g. a proxy's page): keep the raw text below.
        }

        if (retryAfterMs is null && response.Headers.RetryAfter?.Delta is { } delta)
        {
            retryAfterMs = (long)delta.TotalMilliseconds;
        }

        message ??= body.Length > 0 ? body : response.ReasonPhrase ?? response.StatusCode.ToString();
        return new ChatApiException(response.StatusCode, code, message, retryAfterMs, body);
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? GetInt64(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : null;

    private Uri Api(string relative) => new(_api, relative);

    private void Remember(AuthResult result)
    {
        AccessToken = result.AccessToken;
        UserId = result.UserId;
    }

    private async Task<T> GetAsync<T>(Uri uri, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendCoreAsync(HttpMethod.Get, uri, null, authenticate: true, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, info, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResult> SendAsync<TBody, TResult>(
        HttpMethod method, Uri uri, TBody body, JsonTypeInfo<TBody> bodyInfo, JsonTypeInfo<TResult> resultInfo, bool authenticate, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendCoreAsync(method, uri, JsonBody(body, bodyInfo), authenticate, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, resultInfo, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, Uri uri, HttpContent? content, bool authenticate, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        if (authenticate && AccessToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        LastStatusCode = response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await CreateExceptionAsync(response, cancellationToken).ConfigureAwait(false);
            }
        }

        return response;
    }
}
