using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ChatOrleans.Client;
using ChatOrleans.ServiceDefaults.Media;
using ChatOrleans.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.Media;

/// <summary>
/// After complete, the upload URL (still within its lifetime) can neither change what was
/// checked nor leave an object beside it: the local store's gateway answers 409 and writes
/// nothing, the blob store refuses the PUT (the closed upload blob is under the media's lease).
/// </summary>
public abstract class UploadAfterCompleteTests(MediaGatewayFixture fixture)
{
    private static readonly HttpClient Anonymous = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected MediaGatewayFixture Fixture => fixture;

    [Fact]
    public async Task APutAfterCompleteIsRefusedAndChangesNothing()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var png = TestFiles.Png(32, 32);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", png.Length);
        await alice.Api.UploadAsync(upload, png);
        var media = await alice.Api.CompleteUploadAsync(upload.MediaId);
        Assert.Equal("ready", media.Status);

        var other = TestFiles.Png(40, 24);
        Assert.NotEqual(png, other);
        var refused = await Assert.ThrowsAsync<ChatApiException>(() => alice.Api.UploadAsync(upload, other));
        AssertRefusal(refused);

        // Completing again still answers the checked media, and it still serves the checked bytes.
        Assert.Equal("ready", (await alice.Api.CompleteUploadAsync(upload.MediaId)).Status);
        Assert.Equal(png, await Anonymous.GetByteArrayAsync((await alice.Api.GetMediaAsync(upload.MediaId)).Url));
        await AssertNothingBesideTheCheckedCopyAsync(upload.MediaId);
    }

    [Fact]
    public async Task APutAfterARejectionIsRefusedAndLeavesNothing()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var text = "not a picture at all"u8.ToArray();
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", text.Length);
        await alice.Api.UploadAsync(upload, text);
        Assert.Equal("rejected", (await alice.Api.CompleteUploadAsync(upload.MediaId)).Status);

        AssertRefusal(await Assert.ThrowsAsync<ChatApiException>(() => alice.Api.UploadAsync(upload, text)));
        Assert.Equal("rejected", (await alice.Api.CompleteUploadAsync(upload.MediaId)).Status);
        await AssertNothingLeftAsync(upload.MediaId);
    }

    /// <summary>PUTs racing complete either land before it (201) or are refused; none leaves an object behind.</summary>
    [Fact]
    public async Task PutsRacingCompleteLeaveNoStrayObject()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        var png = TestFiles.Png(64, 64);
        var upload = await alice.Api.CreateUploadAsync("a.png", "image/png", png.Length);
        await alice.Api.UploadAsync(upload, png);

        var puts = Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                await alice.Api.UploadAsync(upload, png);
                return true;
            }
            catch (ChatApiException ex)
            {
                AssertRefusal(ex);
                return false;
            }
        }).ToList();
        var completed = await alice.Api.CompleteUploadAsync(upload.MediaId);
        await Task.WhenAll(puts);

        Assert.Equal("ready", completed.Status);
        AssertRefusal(await Assert.ThrowsAsync<ChatApiException>(() => alice.Api.UploadAsync(upload, png)));
        Assert.Equal(png, await Anonymous.GetByteArrayAsync((await alice.Api.GetMediaAsync(upload.MediaId)).Url));
        await AssertNothingBesideTheCheckedCopyAsync(upload.MediaId);
    }

    protected abstract void AssertRefusal(ChatApiException refusal);

    /// <summary>Only the checked objects (original, thumbnail) are in the store, and at most an empty closed upload.</summary>
    protected abstract Task AssertNothingBesideTheCheckedCopyAsync(string mediaId);

    /// <summary>No object of the media holds bytes.</summary>
    protected abstract Task AssertNothingLeftAsync(string mediaId);
}

[Trait("Category", "Integration")]
public sealed class LocalDiskUploadAfterCompleteTests(LocalDiskMediaGateway fixture)
    : UploadAfterCompleteTests(fixture), IClassFixture<LocalDiskMediaGateway>
{
    protected override void AssertRefusal(ChatApiException refusal)
    {
        Assert.Equal(HttpStatusCode.Conflict, refusal.StatusCode);
        Assert.Equal(ErrorCodes.Conflict, refusal.Code);
    }

    protected override Task AssertNothingBesideTheCheckedCopyAsync(string mediaId)
    {
        var files = Files(mediaId);
        Assert.Contains("original", files);
        Assert.All(files, f => Assert.Contains(f, new[] { "original", "thumbnail" }));
        return Task.CompletedTask;
    }

    protected override Task AssertNothingLeftAsync(string mediaId)
    {
        Assert.Empty(Files(mediaId));
        return Task.CompletedTask;
    }

    private string[] Files(string mediaId)
    {
        var folder = Fixture.Gateway.Services.GetRequiredService<LocalMediaLayout>().Folder(mediaId);
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray() : [];
    }
}

[Trait("Category", "Integration")]
public sealed class AzuriteUploadAfterCompleteTests(AzuriteMediaGateway fixture)
    : UploadAfterCompleteTests(fixture), IClassFixture<AzuriteMediaGateway>
{
    protected override void AssertRefusal(ChatApiException refusal) =>
        Assert.True(
            refusal.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.Forbidden,
            $"{(int)refusal.StatusCode}: {refusal.ResponseBody}");

    protected override async Task AssertNothingBesideTheCheckedCopyAsync(string mediaId)
    {
        var blobs = await BlobsAsync(mediaId);
        var names = blobs.Select(b => b.Name[(mediaId.Length + 1)..]).ToList();
        Assert.Contains("original", names);
        Assert.All(names, n => Assert.Contains(n, new[] { "original", "thumbnail", "upload" }));
        AssertClosed(blobs.Single(b => b.Name.EndsWith("/upload", StringComparison.Ordinal)));
    }

    protected override async Task AssertNothingLeftAsync(string mediaId)
    {
        var blob = Assert.Single(await BlobsAsync(mediaId));
        Assert.Equal($"{mediaId}/upload", blob.Name);
        AssertClosed(blob);
    }

    /// <summary>The closed upload: empty and under a lease that no SAS PUT holds.</summary>
    private static void AssertClosed(BlobItem upload)
    {
        Assert.Equal(0, upload.Properties.ContentLength);
        Assert.Equal(LeaseState.Leased, upload.Properties.LeaseState);
    }

    private async Task<List<BlobItem>> BlobsAsync(string mediaId)
    {
        var container = Fixture.Gateway.Services.GetRequiredService<BlobContainerClient>();
        var blobs = new List<BlobItem>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = mediaId + "/" }))
        {
            blobs.Add(item);
        }

        return blobs.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
    }
}
