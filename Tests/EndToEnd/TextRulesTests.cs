using System.Net;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// Names people see (group names, display names, file names) refuse control and bidirectional
/// formatting characters, and no pattern accepts a trailing newline (issue 12, item 12).
/// </summary>
[Trait("Category", "Integration")]
public sealed class TextRulesTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    /// <summary>One of each refused kind: C0 (NUL, newline, escape), DEL, C1, the bidi controls.</summary>
    public static readonly TheoryData<string> Refused = new()
    {
        "\u0000", "\n", "\u001B", "\u007F", "\u0085", "\u009F",
        "\u202A", "\u202B", "\u202C", "\u202D", "\u202E",
        "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C",
    };

    private Uri BaseUri => fixture.BaseUri;

    [Theory]
    [MemberData(nameof(Refused))]
    public void DisplayTextRefusesControlAndBidiCharacters(string character)
    {
        Assert.False(DisplayText.IsAllowed("invoice" + character + "fdp.exe"));
        Assert.False(DisplayText.IsAllowed(character));
        Assert.Equal(7, DisplayText.FirstRefused("invoice" + character + "fdp.exe"));
    }

    [Fact]
    public void DisplayTextRefusesLoneSurrogates()
    {
        // Built here, not as theory data: xunit cannot carry a lone surrogate in a test case's name.
        foreach (var lone in new[] { '\uD800', '\uDBFF', '\uDC00', '\uDFFF' })
        {
            Assert.False(DisplayText.IsAllowed("a" + lone + "b"));
            Assert.False(DisplayText.IsAllowed("ab" + lone));
        }

        Assert.False(DisplayText.IsAllowed("\uDE00\uD83D")); // a pair in the wrong order
        Assert.True(DisplayText.IsAllowed("\uD83D\uDE00"));
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("Équipe café")]
    [InlineData("漢字のチーム")]
    [InlineData("שלום עולם")]
    [InlineData("مرحبا")]
    [InlineData("launch 🚀 👩‍👩‍👧 🇫🇷")]
    [InlineData("a\u200Db")]
    public void DisplayTextAllowsLettersSymbolsAndEmoji(string text) => Assert.True(DisplayText.IsAllowed(text));

    [Fact]
    public async Task AGroupNameWithABidiOverrideOrANulIsBadRequest()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        foreach (var name in new[] { "invoice\u202Efdp.exe", "ops\u0000", "a\u2066b", "two\nlines" })
        {
            var answer = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name, member_ids = Array.Empty<string>() }));
            Proto.AssertHttpError(answer, HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        }

        var fine = await alice.Api.CreateGroupAsync("שלום 🚀", []);
        Assert.Equal("שלום 🚀", fine.Name);
    }

    [Fact]
    public async Task ADisplayNameWithABidiOverrideOrAControlIsBadRequest()
    {
        foreach (var displayName in new[] { "Eve\u202E", "Eve\u0000", "E\u200Fve", "E\u0085ve", "two\nlines" })
        {
            using var api = new ChatOrleans.Client.ChatApiClient(BaseUri);
            var body = Proto.Json(new { username = Proto.UniqueName(), password = "password1", display_name = displayName });
            Proto.AssertHttpError(await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", body, authenticate: false), HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        }

        using var fine = await Proto.RegisterAsync(BaseUri, "Zoë 漢字");
        var me = await fine.Api.GetMeAsync();
        Assert.Equal("Zoë 漢字", me.DisplayName);
    }

    [Fact]
    public async Task AFileNameWithABidiOverrideOrAControlIsBadRequest()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        foreach (var fileName in new[] { "invoice\u202Efdp.exe", "a\u0000.png", "a\r\n.png" })
        {
            var body = Proto.Json(new { file_name = fileName, content_type = "image/png", size_bytes = 100 });
            Proto.AssertHttpError(await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/media/uploads", body), HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        }

        var upload = await alice.Api.CreateUploadAsync("reçu 漢.png", "image/png", 100);
        Assert.StartsWith("f_", upload.MediaId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeviceIdWithATrailingNewlineIsRefused()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var body = Proto.Json(new { platform = "fcm", token = "token-1" });

        var answer = await Proto.RawAsync(alice.Api, HttpMethod.Put, "api/v1/me/devices/phone%0A/push-token", body);

        Proto.AssertHttpError(answer, HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await Proto.RawAsync(alice.Api, HttpMethod.Put, "api/v1/me/devices/phone/push-token", body)).Status);
    }

    [Fact]
    public void AMediaIdWithATrailingNewlineIsNotAMediaId()
    {
        var id = MediaIds.NewMediaId();
        Assert.True(MediaIds.IsValid(id));
        Assert.False(MediaIds.IsValid(id + "\n"));
        Assert.False(MediaIds.IsValid(id + "\r\n"));
    }
}
