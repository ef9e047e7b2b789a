using ChatOrleans.Gateway.Api;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ChatOrleans.Gateway.Media;

/// <summary>
/// The local-disk store's signed URLs, served by the gateway without a bearer token:
/// <c>PUT /files/{media_id}/upload</c> writes an upload, <c>GET /files/{media_id}/original</c> and
/// <c>…/thumbnail</c> read. An expired or altered signature is 403.
/// </summary>
public static class LocalMediaFileEndpoints
{
    public static IEndpointRouteBuilder MapLocalMediaFiles(this IEndpointRouteBuilder app)
    {
        var files = app.MapGroup(LocalMediaUrlSigner.PathPrefix).AllowAnonymous();
        files.MapPut("/{mediaId}/{variant}", PutAsync);
        files.MapMethods("/{mediaId}/{variant}", [HttpMethods.Get, HttpMethods.Head], Get);
        return app;
    }

    private static async Task<IResult> PutAsync(
        string mediaId, string variant, HttpContext context, LocalMediaUrlSigner signer, LocalMediaLayout layout, IGrainFactory grains)
    {
        if (!MediaIds.IsValid(mediaId) || !MediaIds.IsVariant(variant))
        {
            return ApiErrors.Result(ErrorCodes.NotFound, "No such file.");
        }

        // Only upload URLs are signed for PUT: a read URL fails here like any altered one.

        if (signer.Verify("PUT", mediaId, variant, context.Request.Query, out var refusal) is not { MaxBytes: { } maxBytes })
        {
            return ApiErrors.Result(ErrorCodes.Forbidden, refusal ?? "This link does not allow uploads.");
        }

        var media = grains.GetGrain<IMediaGrain>(mediaId);
        return await RefuseBeforeReadingAsync(media, context, maxBytes)
            ?? await StoreUploadAsync(media, mediaId, context, layout, maxBytes);
    }

    /// <summary>
    /// A completed media takes no more bytes (asked first so that no body is read in vain; the
    /// media grain decides again, in its turn, once the body is whole). Null when the body may come.
    /// </summary>
    private static async Task<IResult?> RefuseBeforeReadingAsync(IMediaGrain media, HttpContext context, long maxBytes)
    {
        MediaInfo info;
        try
        {
            info = await media.Get();
        }
        catch (ChatException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            return ApiErrors.Result(ErrorCodes.NotFound, "No such media.");
        }

        if (info.Status != MediaStatus.Pending)
        {
            return UploadClosed();
        }

        return context.Request.ContentLength > maxBytes ? TooLarge(maxBytes) : null;
    }

    private static async Task<IResult> StoreUploadAsync(
        IMediaGrain media, string mediaId, HttpContext context, LocalMediaLayout layout, long maxBytes)
    {
        // The signed size, not the server-wide default of 30 MB, bounds the body.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        Directory.CreateDirectory(layout.Folder(mediaId));
        var part = layout.PartPath(mediaId);
        try
        {
            if (!await WriteBodyAsync(context, part, maxBytes))
            {
                return TooLarge(maxBytes);
            }

            // Whole or not at all, and only before complete: the grain renames the part into the
            // upload's place in its own turn, so complete sees either the previous upload or this one.
            return await media.PlaceLocalUpload(Path.GetFileName(part))
                ? Results.StatusCode(StatusCodes.Status201Created)
                : UploadClosed();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBytes);
        }
        finally
        {
            File.Delete(part);
        }
    }

    /// <summary>Writes the request body to a new <paramref name="part"/> file; false (and stops reading) once it passes <paramref name="maxBytes"/>.</summary>
    private static async Task<bool> WriteBodyAsync(HttpContext context, string part, long maxBytes)
    {
        long written = 0;
        await using var file = new FileStream(part, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            written += read;
            if (written > maxBytes)
            {
                return false;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
        }

        await file.FlushAsync(context.RequestAborted);
        return true;
    }

    private static IResult TooLarge(long maxBytes) =>
        ApiErrors.Result(ErrorCodes.TooLarge, $"This upload may hold at most {maxBytes} bytes.");

    private static IResult UploadClosed() =>
        ApiErrors.Result(ErrorCodes.Conflict, "This media was completed: its upload URL takes no more bytes.");

    private static IResult Get(
        string mediaId, string variant, HttpContext context, LocalMediaUrlSigner signer, LocalMediaLayout layout, TimeProvider time)
    {
        if (!MediaIds.IsValid(mediaId) || variant is not (MediaIds.OriginalVariant or MediaIds.ThumbnailVariant))
        {
            return ApiErrors.Result(ErrorCodes.NotFound, "No such file.");
        }

        if (signer.Verify("GET", mediaId, variant, context.Request.Query, out var refusal) is not { } signed)
        {
            return ApiErrors.Result(ErrorCodes.Forbidden, refusal!);
        }

        var path = layout.PathOf(mediaId, variant);
        if (!File.Exists(path))
        {
            return ApiErrors.Result(ErrorCodes.NotFound, "No such file.");
        }

        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        var maxAge = Math.Max(0, (long)(signed.ExpiresAt - time.GetUtcNow()).TotalSeconds);
        headers.CacheControl = $"private, max-age={maxAge}";
        if (signed.FileName is { } fileName)
        {
            var disposition = new ContentDispositionHeaderValue("inline");
            disposition.SetHttpFileName(fileName);
            headers.ContentDisposition = disposition.ToString();
        }

        return Results.File(path, signed.ContentType ?? "application/octet-stream", enableRangeProcessing: true);
    }
}
