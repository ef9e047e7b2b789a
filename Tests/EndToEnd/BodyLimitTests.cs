using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// The JSON API takes bodies up to <c>Api:MaxBodyBytes</c> (1 MiB); a larger one is 413
/// <c>too_large</c>, not 400. Uploads to <c>/files</c> keep their own, signed limit.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BodyLimitTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task AFortyMegabyteBodyIs413TooLarge()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var body = new byte[40 * 1024 * 1024];
        Encoding.ASCII.GetBytes("{\"kind\":\"group\",\"name\":\"").CopyTo(body, 0);
        body.AsSpan(30).Fill((byte)'a');

        // With Expect: 100-continue the client waits for the server's word before it sends the body,
        // so the refusal is read whole instead of racing the upload.
        var answer = await PostAsync(alice, new ByteArrayContent(body), expectContinue: true);

        Proto.AssertHttpError(answer, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.TooLarge);
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitIs413TooLarge()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("{\"name\":\"" + new string('a', 1_100_000) + "\"}")));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, "api/v1/chats")) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var answer = await SendAsync(alice, request);

        Proto.AssertHttpError(answer, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.TooLarge);
    }

    [Fact]
    public async Task ABodyOfAThousandMemberIdsIsWellWithinTheLimit()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var ids = Enumerable.Range(0, 1_000).Select(_ => ChatIds.NewUserId()).ToArray();

        // Read whole and checked: the ids are unknown, so the answer is the grain's, not the limit's.
        var answer = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = "g", member_ids = ids }));

        Proto.AssertHttpError(answer, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task ASmallerConfiguredLimitApplies()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["Api:MaxBodyBytes"] = "200" });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);

        var answer = await Proto.RawAsync(alice.Api, HttpMethod.Post, "api/v1/chats", Proto.Json(new { kind = "group", name = new string('a', 300), member_ids = Array.Empty<string>() }));

        Proto.AssertHttpError(answer, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.TooLarge);
    }

    [Fact]
    public async Task UploadsLargerThanTheApiLimitStillGoThroughFiles()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("plain text line\n", 200_000)));
        Assert.True(bytes.Length > 3 * 1024 * 1024);

        var upload = await alice.Api.CreateUploadAsync("notes.txt", "text/plain", bytes.Length);
        await alice.Api.UploadAsync(upload, bytes);
        var media = await alice.Api.CompleteUploadAsync(upload.MediaId);

        Assert.Equal("ready", media.Status);
        Assert.Equal(bytes.Length, media.SizeBytes);
    }

    private Task<(HttpStatusCode Status, System.Text.Json.JsonElement? Body)> PostAsync(ProtocolUser user, HttpContent content, bool expectContinue)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, "api/v1/chats")) { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        return SendAsync(user, request);
    }

    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement? Body)> SendAsync(ProtocolUser user, HttpRequestMessage request)
    {
        using var http = new HttpClient();
        using (request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await Proto.ReadJsonAsync(response));
        }
    }
}
