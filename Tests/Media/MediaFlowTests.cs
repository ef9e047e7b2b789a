using System.Net;
using System.Text;
using ChatOrleans.Client;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Grains.Media;
using ChatOrleans.ServiceDefaults.Media;
using ChatOrleans.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.Media;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;
using Media = ChatOrleans.Client.Media;

/// <summary>
/// The media flow of PROTOCOL.md through real sockets and a real store: upload through the signed
/// URL, complete, send, and the other member reads the bytes and the thumbnail through theirs; and
/// every refusal. Each store runs the same tests (<see cref="LocalDiskMediaTests"/>, <see cref="AzuriteMediaTests"/>).
/// </summary>
public abstract class MediaFlowTests(MediaGatewayFixture fixture)
{
    /// <summary>Signed URLs are bearer-free: a plain client with no token reads them.</summary>
    private static readonly HttpClient Anonymous = new() { Timeout = TimeSpan.FromSeconds(30) };

    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task UploadedPngReachesTheOtherMemberWithBytesAndThumbnail()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        await using var bobLaptop = await bob.ConnectAsync("laptop");
        await using var alicePhone = await alice.ConnectAsync("phone");

        var png = TestFiles.Png(640, 480);
        var upload = await alice.Api.CreateUploadAsync("holiday.png", "image/png", png.Length);
        Assert.Equal("PUT", upload.UploadMethod);
        Assert.True(Uri.IsWellFormedUriString(upload.UploadUrl, UriKind.Absolute), upload.UploadUrl);
        Assert.Equal("image/png", upload.UploadHeaders["Content-Type"]);
        await alice.Api.UploadAsync(upload, png);
        var completed = await alice.Api.CompleteUploadAsync(upload.MediaId);
        Assert.Equal("ready", completed.Status);
        Assert.Null(completed.RejectReason);
        Assert.Equal("image/png", completed.ContentType);
        Assert.Equal("holiday.png", completed.FileName);
        Assert.Equal(png.Length, completed.SizeBytes);
        Assert.Equal(640, completed.Width);
        Assert.Equal(480, completed.Height);
        Assert.NotNull(completed.Url);
        Assert.NotNull(completed.ThumbnailUrl);

        var sent = await alicePhone.SendMessageAsync(chat.ChatId, "m1", null, [upload.MediaId]);
        Assert.Null(sent.Text);
        Assert.Equal(upload.MediaId, Assert.Single(sent.Media).MediaId);

        var received = await Proto.WaitMessageAsync(bobLaptop, chat.ChatId, sent.Seq);
        var media = Assert.Single(received.Message.Media);
        Assert.Equal(upload.MediaId, media.MediaId);
        Assert.Equal("ready", media.Status);
        Assert.Equal(640, media.Width);
        Assert.Equal(480, media.Height);
        Assert.True(media.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50), $"expires_at {media.ExpiresAt} is not about an hour away");
        await AssertServesImageAsync(media, png);

        // History over HTTP and WebSocket signs the URLs again, and they work too.
        var history = await bob.Api.GetMessagesAsync(chat.ChatId);
        await AssertServesImageAsync(Assert.Single(Assert.Single(history).Media), png);
        var fetched = await bobLaptop.FetchHistoryAsync(chat.ChatId);
        await AssertServesImageAsync(Assert.Single(Assert.Single(fetched).Media), png);

        // The chat list's last message carries it as well, and a member may ask for it by id.
        var listed = Assert.Single(await bob.Api.GetChatsAsync(), c => c.ChatId == chat.ChatId);
        Assert.Equal(upload.MediaId, Assert.Single(listed.LastMessage!.Media).MediaId);
        await AssertServesImageAsync(await bob.Api.GetMediaAsync(upload.MediaId), png);
    }

    [Fact]
    public async Task ReplayAtReconnectSignsTheMediaAgain()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        await (await bob.ConnectAsync("tablet")).DisposeAsync();

        var png = TestFiles.Png(50, 20);
        var media = await alice.Api.UploadMediaAsync("tiny.png", "image/png", png);
        await using (var alicePhone = await alice.ConnectAsync("phone"))
        {
            await alicePhone.SendMessageAsync(chat.ChatId, "m1", "look", [media.MediaId]);
        }

        await using var tablet = await bob.ConnectAsync("tablet");
        var replayed = Assert.Single(Proto.ReplayOf(tablet).OfType<NewMessageEvent>());
        var item = Assert.Single(replayed.Message.Media);
        Assert.Equal((50, 20), (item.Width, item.Height));
        Assert.Equal(png, await Anonymous.GetByteArrayAsync(item.Url));
        Assert.Equal((50, 20), TestFiles.DecodeSize(await Anonymous.GetByteArrayAsync(item.ThumbnailUrl)));
    }

    [Fact]
    public async Task DeclaredImageHoldingTextIsRejected()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var text = Encoding.UTF8.GetBytes("This is plain text, not a picture.\n");
        var media = await alice.Api.UploadMediaAsync("fake.png", "image/png", text);
        Assert.Equal("rejected", media.Status);
        Assert.Contains("image/png", media.RejectReason);
        Assert.Null(media.Url);
        Assert.Null(media.ThumbnailUrl);

        // The same bytes declared as what they are pass.
        var honest = await alice.Api.UploadMediaAsync("notes.txt", "text/plain", text);
        Assert.Equal("ready", honest.Status);
        Assert.Null(honest.ThumbnailUrl);
        Assert.Null(honest.Width);
        Assert.Equal(text, await Anonymous.GetByteArrayAsync(honest.Url));

        // A rejected media cannot be attached.
        var chat = await alice.Api.CreateGroupAsync("solo", []);
        await using var phone = await alice.ConnectAsync("phone");
        await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(chat.ChatId, "m1", null, [media.MediaId]), ErrorCodes.Conflict);
    }

    [Fact]
    public async Task UploadOverTheSizeLimitIsTooLarge()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var ex = await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("huge.mp4", "video/mp4", 104_857_601), HttpStatusCode.RequestEntityTooLarge, ErrorCodes.TooLarge);
        Assert.Contains("104857600", ex.Message);

        // Exactly the limit is accepted.
        var upload = await alice.Api.CreateUploadAsync("big.mp4", "video/mp4", 104_857_600);
        Assert.StartsWith("f_", upload.MediaId);
    }

    [Fact]
    public async Task MoreBytesThanDeclaredNeverBecomeReady()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var png = TestFiles.Png(20, 20);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", png.Length - 10);
        try
        {
            await alice.Api.UploadAsync(upload, png);
        }
        catch (ChatApiException ex)
        {
            // The local store refuses the body at once; a blob store takes it and the check refuses it.
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, ex.StatusCode);
            await Proto.AssertApiErrorAsync(() => alice.Api.CompleteUploadAsync(upload.MediaId), HttpStatusCode.Conflict, ErrorCodes.Conflict);
            return;
        }

        var media = await alice.Api.CompleteUploadAsync(upload.MediaId);
        Assert.Equal("rejected", media.Status);
        Assert.Contains("declared", media.RejectReason);
    }

    [Fact]
    public async Task RefusedTypeIsUnsupported()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("page.html", "text/html", 100), HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedType);
        await Proto.AssertApiErrorAsync(
            () => alice.Api.CreateUploadAsync("tool.exe", "application/x-msdownload", 100), HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedType);
    }

    [Fact]
    public async Task AttachingSomeoneElsesMediaIsForbidden()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        var bobs = await bob.Api.UploadMediaAsync("bob.png", "image/png", TestFiles.Png(10, 10));
        Assert.Equal("ready", bobs.Status);

        await using var phone = await alice.ConnectAsync("phone");
        await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(chat.ChatId, "m1", "mine now", [bobs.MediaId]), ErrorCodes.Forbidden);
        await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(chat.ChatId, "m2", null, ["f_" + Guid.NewGuid().ToString("N")]), ErrorCodes.NotFound);

        // Nothing was stored: the chat is still empty.
        Assert.Empty(await alice.Api.GetMessagesAsync(chat.ChatId));
    }

    [Fact]
    public async Task MediaNotReadyYetIsAConflictToAttach()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var chat = await alice.Api.CreateGroupAsync("solo", []);
        var upload = await alice.Api.CreateUploadAsync("later.png", "image/png", 100);
        await using var phone = await alice.ConnectAsync("phone");
        await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(chat.ChatId, "m1", null, [upload.MediaId]), ErrorCodes.Conflict);
    }

    [Fact]
    public async Task OnlyTheOwnerAndMembersOfAChatHoldingItMayReadMedia()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        var media = await alice.Api.UploadMediaAsync("a.png", "image/png", TestFiles.Png(30, 30));

        // Before it is sent, only its owner sees it.
        Assert.Equal(media.MediaId, (await alice.Api.GetMediaAsync(media.MediaId)).MediaId);
        await Proto.AssertApiErrorAsync(() => bob.Api.GetMediaAsync(media.MediaId), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);

        await using (var phone = await alice.ConnectAsync("phone"))
        {
            await phone.SendMessageAsync(chat.ChatId, "m1", null, [media.MediaId]);
        }

        Assert.Equal("ready", (await bob.Api.GetMediaAsync(media.MediaId)).Status);
        await Proto.AssertApiErrorAsync(() => carol.Api.GetMediaAsync(media.MediaId), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Proto.AssertApiErrorAsync(
            () => carol.Api.GetMediaAsync("f_" + Guid.NewGuid().ToString("N")), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await Proto.AssertApiErrorAsync(() => carol.Api.GetMediaAsync("not-a-media-id"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task ExpiredOrAlteredSignaturesAreRefused()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var png = TestFiles.Png(40, 40);
        var media = await alice.Api.UploadMediaAsync("a.png", "image/png", png);
        Assert.Equal(png, await Anonymous.GetByteArrayAsync(media.Url));

        // The same object, signed by this server for a moment that has passed.
        var signer = fixture.Gateway.Services.GetRequiredService<IMediaUrlSigner>();
        var expired = signer.SignRead(
            media.MediaId, MediaIds.OriginalVariant, "image/png", "a.png", DateTimeOffset.UtcNow.AddMinutes(-1), BaseUri.GetLeftPart(UriPartial.Authority));
        await AssertRefusedAsync(expired);

        // One character of the signature changed; another object under the same signature.
        var url = media.Url!;
        var sigAt = url.IndexOf("sig=", StringComparison.Ordinal) + 4;
        var altered = url[..sigAt] + (url[sigAt] == 'A' ? 'B' : 'A') + url[(sigAt + 1)..];
        await AssertRefusedAsync(altered);
        await AssertRefusedAsync(media.Url!.Replace("/original", "/thumbnail", StringComparison.Ordinal));

        // A read URL does not write.
        using var put = new HttpRequestMessage(HttpMethod.Put, media.Url) { Content = new ByteArrayContent(png) };
        put.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        using var written = await Anonymous.SendAsync(put);
        Assert.Equal(HttpStatusCode.Forbidden, written.StatusCode);
        Assert.Equal(png, await Anonymous.GetByteArrayAsync(media.Url));
    }

    [Fact]
    public async Task CompletingBeforeTheUploadIsAConflict()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var png = TestFiles.Png(16, 16);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", png.Length);
        var ex = await Proto.AssertApiErrorAsync(() => alice.Api.CompleteUploadAsync(upload.MediaId), HttpStatusCode.Conflict, ErrorCodes.Conflict);
        Assert.Contains("upload", ex.Message, StringComparison.OrdinalIgnoreCase);

        // Someone else cannot complete it; after the PUT its owner can, once or twice alike.
        await alice.Api.UploadAsync(upload, png);
        await Proto.AssertApiErrorAsync(() => bob.Api.CompleteUploadAsync(upload.MediaId), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal("ready", (await alice.Api.CompleteUploadAsync(upload.MediaId)).Status);
        Assert.Equal("ready", (await alice.Api.CompleteUploadAsync(upload.MediaId)).Status);
        await Proto.AssertApiErrorAsync(
            () => alice.Api.CompleteUploadAsync("f_" + Guid.NewGuid().ToString("N")), HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task UploadsNeverAttachedAreSweptAndAttachedOnesKept()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var chat = await alice.Api.CreateGroupAsync("keep", []);
        var kept = await alice.Api.UploadMediaAsync("kept.png", "image/png", TestFiles.Png(12, 12));
        var dropped = await alice.Api.UploadMediaAsync("dropped.png", "image/png", TestFiles.Png(12, 12));
        await using (var phone = await alice.ConnectAsync("phone"))
        {
            await phone.SendMessageAsync(chat.ChatId, "m1", null, [kept.MediaId]);
        }

        // A pass a day and more after now: everything is older than the retention.
        var sweeper = fixture.Gateway.Services.GetRequiredService<MediaSweeper>();
        await sweeper.SweepOnceAsync(DateTimeOffset.UtcNow.AddHours(25), CancellationToken.None);

        await Proto.AssertApiErrorAsync(() => alice.Api.GetMediaAsync(dropped.MediaId), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        using (var gone = await Anonymous.GetAsync(dropped.Url))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var stillThere = await alice.Api.GetMediaAsync(kept.MediaId);
        Assert.Equal("ready", stillThere.Status);
        Assert.NotEmpty(await Anonymous.GetByteArrayAsync(stillThere.Url));
    }

    [Fact]
    public async Task AVideoGetsItsSizeAndAPosterFrameThumbnail()
    {
        var mp4 = await TestFiles.Mp4Async(320, 240);
        using var alice = await Proto.RegisterAsync(BaseUri);
        var media = await alice.Api.UploadMediaAsync("clip.mp4", "video/mp4", mp4);

        Assert.Equal("ready", media.Status);
        Assert.Equal("video/mp4", media.ContentType);
        Assert.Equal((320, 240), (media.Width, media.Height));
        Assert.Equal(mp4, await Anonymous.GetByteArrayAsync(media.Url));
        Assert.NotNull(media.ThumbnailUrl);
        Assert.Equal((320, 240), TestFiles.DecodeSize(await Anonymous.GetByteArrayAsync(media.ThumbnailUrl)));
    }

    private static async Task AssertServesImageAsync(Media media, byte[] original)
    {
        Assert.NotNull(media.Url);
        Assert.NotNull(media.ThumbnailUrl);
        using (var response = await Anonymous.GetAsync(media.Url))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(original, await response.Content.ReadAsByteArrayAsync());
        }

        var thumbnail = await Anonymous.GetByteArrayAsync(media.ThumbnailUrl);
        var size = TestFiles.DecodeSize(thumbnail);
        Assert.NotNull(size);
        var expected = ImagePreviews.Fit(media.Width!.Value, media.Height!.Value, new MediaOptions().ThumbnailMaxSide);
        Assert.Equal(expected, size.Value);
    }

    private static async Task AssertRefusedAsync(string url)
    {
        using var response = await Anonymous.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"Expected 403 for {url}, got {(int)response.StatusCode}");
    }
}

[Trait("Category", "Integration")]
public sealed class LocalDiskMediaTests(LocalDiskMediaGateway fixture) : MediaFlowTests(fixture), IClassFixture<LocalDiskMediaGateway>
{
    [Fact]
    public async Task UploadUrlsAreTheGatewaysOwnAndSignedForTheirSize()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var png = TestFiles.Png(8, 8);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", png.Length);
        Assert.StartsWith(fixture.BaseUri.GetLeftPart(UriPartial.Authority) + "/files/" + upload.MediaId + "/upload?", upload.UploadUrl);

        // A larger size in the URL breaks its signature.
        var bigger = upload.UploadUrl.Replace($"len={png.Length}", $"len={png.Length * 100}", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Put, bigger) { Content = new ByteArrayContent(png) };
        using var client = new HttpClient();
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

[Trait("Category", "Integration")]
public sealed class AzuriteMediaTests(AzuriteMediaGateway fixture) : MediaFlowTests(fixture), IClassFixture<AzuriteMediaGateway>
{
    [Fact]
    public async Task UploadUrlsPointAtTheBlobStoreWithItsHeaders()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", 100);
        var blobEndpoint = Environment.GetEnvironmentVariable(AzuriteMediaGateway.Variable)!
            .Split(';').Single(p => p.StartsWith("BlobEndpoint=", StringComparison.Ordinal))["BlobEndpoint=".Length..];
        Assert.StartsWith(blobEndpoint.TrimEnd('/') + "/", upload.UploadUrl);
        Assert.Equal("BlockBlob", upload.UploadHeaders["x-ms-blob-type"]);
        Assert.Equal("image/png", upload.UploadHeaders["Content-Type"]);
    }
}
