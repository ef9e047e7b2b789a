using System.Net;
using System.Text.Json.Nodes;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// The server's JSON escapes HTML-sensitive characters and controls as <c>\uXXXX</c> and keeps
/// other characters of the Basic Multilingual Plane as UTF-8 (docs/protocol.md, Conventions);
/// every client's parser reads the text back unchanged.
/// </summary>
[Trait("Category", "Integration")]
public sealed class JsonEscapingTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private const string Text = "<script>alert(1)</script> & 'quoted' \"double\" a+b `tick` 漢字 é 😀";

    private static readonly string[] Escaped = ["\\u003Cscript\\u003E", "\\u0026", "\\u0027quoted\\u0027", "\\u0022double\\u0022", "a\\u002Bb", "\\u0060tick\\u0060"];

    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task HtmlSensitiveCharactersComeBackEscapedInTheRawFrameAndTheTextRoundTrips()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");

        var ack = await phone.RequestAsync("send_message", Proto.Fields(("chat_id", chatId), ("client_msg_id", "x1"), ("text", Text)));

        var raw = ack.Frame.GetRawText();
        AssertEscaped(raw);
        Assert.Equal(Text, ack.GetMessage().Text);
        Assert.Equal(Text, ack.Frame.GetProperty("message").GetProperty("text").GetString());
    }

    [Fact]
    public async Task HttpBodiesAreEscapedAlikeAndKeepOtherCharactersAsUtf8()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var group = await alice.Api.CreateGroupAsync("<b>ops</b> & 漢", [bob.Id]);
        await using var phone = await alice.ConnectAsync("phone");
        await phone.SendMessageAsync(group.ChatId, "x1", Text);

        using var response = await alice.Api.SendRawAsync(HttpMethod.Get, $"api/v1/chats/{group.ChatId}/messages");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        AssertEscaped(raw);
        Assert.Contains("漢字 é", raw, StringComparison.Ordinal);
        Assert.Equal(Text, JsonNode.Parse(raw)!["messages"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(Text, Assert.Single(await bob.Api.GetMessagesAsync(group.ChatId)).Text);

        using var chat = await alice.Api.SendRawAsync(HttpMethod.Get, $"api/v1/chats/{group.ChatId}");
        var chatRaw = await chat.Content.ReadAsStringAsync();
        Assert.Contains("\\u003Cb\\u003Eops\\u003C/b\\u003E \\u0026 漢", chatRaw, StringComparison.Ordinal);
        Assert.Equal("<b>ops</b> & 漢", (await bob.Api.GetChatAsync(group.ChatId)).Name);
    }

    private static void AssertEscaped(string raw)
    {
        foreach (var escaped in Escaped)
        {
            Assert.Contains(escaped, raw, StringComparison.Ordinal);
        }

        foreach (var character in new[] { "<", ">", "&", "'", "+", "`" })
        {
            Assert.DoesNotContain(character, raw, StringComparison.Ordinal);
        }
    }
}
