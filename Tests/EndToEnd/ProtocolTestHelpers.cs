using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ReadStateEvent = ChatOrleans.Client.ReadStateEvent;

/// <summary>One all-in-one gateway with default settings, shared by the tests of a class.</summary>
public sealed class ProtocolGatewayFixture : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public Uri BaseUri => Gateway.BaseUri;

    public async Task InitializeAsync() => Gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

/// <summary>A registered user with its own HTTP client.</summary>
public sealed class ProtocolUser(Uri baseUri, ChatApiClient api, string username, AuthResult auth) : IDisposable
{
    public Uri BaseUri { get; } = baseUri;

    public ChatApiClient Api { get; } = api;

    public string Username { get; } = username;

    public string Id => Auth.UserId;

    public string Token => Auth.AccessToken;

    public AuthResult Auth { get; } = auth;

    /// <summary>Opens a socket for <paramref name="deviceId"/> and waits for <c>sync_done</c>.</summary>
    public async Task<ChatConnection> ConnectAsync(string deviceId, ChatConnectionOptions? options = null)
    {
        var connection = await ChatConnection.ConnectAsync(BaseUri, Token, deviceId, options);
        try
        {
            await connection.SyncDone.WaitAsync(Proto.Timeout);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose() => Api.Dispose();
}

/// <summary>Shared helpers of the protocol end-to-end tests.</summary>
public static class Proto
{
    /// <summary>How long any single expected event may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static string UniqueName() => $"u{Guid.NewGuid():N}"[..20];

    public static async Task<ProtocolUser> RegisterAsync(Uri baseUri, string? displayName = null)
    {
        var api = new ChatApiClient(baseUri);
        var name = UniqueName();
        var auth = await api.RegisterAsync(name, "password1", displayName);
        return new ProtocolUser(baseUri, api, name, auth);
    }

    public static async Task<ProtocolUser[]> RegisterManyAsync(Uri baseUri, int count)
    {
        var users = new ProtocolUser[count];
        for (var i = 0; i < count; i++)
        {
            users[i] = await RegisterAsync(baseUri);
        }

        return users;
    }

    public static void DisposeAll(IEnumerable<ProtocolUser> users)
    {
        foreach (var user in users)
        {
            user.Dispose();
        }
    }

    public static async Task DisposeAllAsync(IEnumerable<ChatConnection> connections)
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    public static string Json(object value) => JsonSerializer.Serialize(value);

    /// <summary>The body of an answer as JSON (an empty body is <c>null</c>).</summary>
    public static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Sends a raw request and returns its status and JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement? Body)> RawAsync(
        ChatApiClient api, HttpMethod method, string relativeUri, string? jsonBody = null, bool authenticate = true)
    {
        using var response = await api.SendRawAsync(method, relativeUri, jsonBody, authenticate);
        return (response.StatusCode, await ReadJsonAsync(response));
    }

    /// <summary>Asserts an HTTP answer is the protocol error <paramref name="code"/> with the matching status.</summary>
    public static void AssertHttpError((HttpStatusCode Status, JsonElement? Body) answer, HttpStatusCode status, string code)
    {
        Assert.True(answer.Status == status, $"Expected HTTP {(int)status}, got {(int)answer.Status}: {answer.Body?.GetRawText()}");
        AssertErrorBody(answer.Body, code);
    }

    public static void AssertErrorBody(JsonElement? body, string code)
    {
        Assert.True(body is { ValueKind: JsonValueKind.Object }, $"Expected an error body, got {body?.GetRawText() ?? "(empty)"}");
        Assert.True(body!.Value.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object, $"No error object in {body.Value.GetRawText()}");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
    }

    /// <summary>Asserts a call throws <see cref="ChatApiException"/> with the status and code.</summary>
    public static async Task<ChatApiException> AssertApiErrorAsync(Func<Task> call, HttpStatusCode status, string code)
    {
        var ex = await Assert.ThrowsAsync<ChatApiException>(call);
        Assert.True(ex.StatusCode == status, $"Expected HTTP {(int)status}, got {(int)ex.StatusCode}: {ex.ResponseBody}");
        Assert.Equal(code, ex.Code);
        return ex;
    }

    /// <summary>Asserts a socket request is answered with <c>error</c> <paramref name="code"/>.</summary>
    public static async Task<ChatRequestException> AssertRequestErrorAsync(Func<Task> call, string code)
    {
        var ex = await Assert.ThrowsAsync<ChatRequestException>(call);
        Assert.Equal(code, ex.Code);
        return ex;
    }

    /// <summary>The events this connection got between <c>welcome</c> and <c>sync_done</c> (its replay).</summary>
    public static IReadOnlyList<ServerEvent> ReplayOf(ChatConnection connection)
    {
        var received = connection.Received;
        var start = received.ToList().FindIndex(e => e is WelcomeEvent);
        var end = received.ToList().FindIndex(e => e is SyncDoneEvent);
        Assert.True(start == 0, "welcome must be the first frame.");
        Assert.True(end > start, "sync_done has not arrived.");
        return received.Skip(start + 1).Take(end - start - 1).ToList();
    }

    public static Task<ReadStateEvent> WaitReadStateAsync(ChatConnection connection, string chatId, long lastReadSeq) =>
        connection.WaitForAsync<ReadStateEvent>(e => e.ChatId == chatId && e.LastReadSeq == lastReadSeq, Timeout);

    public static Task<NewMessageEvent> WaitMessageAsync(ChatConnection connection, string chatId, long seq) =>
        connection.WaitForAsync<NewMessageEvent>(e => e.Message.ChatId == chatId && e.Message.Seq == seq, Timeout);

    public static JsonObject Fields(params (string Name, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (name, value) in fields)
        {
            o[name] = value;
        }

        return o;
    }
}
