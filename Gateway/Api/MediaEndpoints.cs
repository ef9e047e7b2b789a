using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>/api/v1/media/*</c>: open an upload (the client then PUTs the bytes to the signed
/// <c>upload_url</c>), complete it (the silo checks the bytes), and read a media with fresh URLs.
/// </summary>
public static class MediaEndpoints
{
    public static RouteGroupBuilder MapMediaEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/media/uploads", async (HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var body = await RequestBody.Read<CreateUploadRequest>(context.Request);
            if (body.SizeBytes is not { } size)
            {
                throw ChatException.BadRequest("size_bytes is required.");
            }

            DisplayText.EnsureAllowed(body.FileName, "file_name");

            // The user's budget first, in its grain: the same through every gateway.
            var mediaId = MediaIds.NewMediaId();
            var quota = grains.GetGrain<IUploadQuotaGrain>(context.UserId());
            var decision = await quota.Reserve(mediaId, size);
            if (!decision.Allowed)
            {
                return new RateLimitedResponse(decision.RetryAfter, decision.Reason ?? "Too many uploads.");
            }

            MediaInfo info;
            try
            {
                info = await grains.GetGrain<IMediaGrain>(mediaId)
                    .Create(context.UserId(), body.FileName ?? "", body.ContentType ?? "", size);
            }
            catch (ChatException)
            {
                await quota.Release(mediaId);
                throw;
            }

            var expiresAt = links.UploadExpiry();
            var target = links.SignUpload(info, expiresAt, links.OriginOf(context.Request));
            return Json(
                new
                {
                    media_id = info.MediaId,
                    upload_url = target.Url,
                    upload_method = "PUT",
                    upload_headers = target.Headers,
                    expires_at = expiresAt,
                },
                StatusCodes.Status201Created);
        });

        api.MapPost("/media/{mediaId}/complete", async (string mediaId, HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var info = await Media(grains, mediaId).Complete(context.UserId());
            links.Catalog.Remember(info);
            return Json(new { media = links.Describe(info, links.OriginOf(context.Request)) });
        });

        api.MapGet("/media/{mediaId}", async (string mediaId, HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var info = await Media(grains, mediaId).GetFor(context.UserId());
            links.Catalog.Remember(info);
            return Json(new { media = links.Describe(info, links.OriginOf(context.Request)) });
        });

        return api;
    }

    private static IMediaGrain Media(IGrainFactory grains, string mediaId) =>
        MediaIds.IsValid(mediaId) ? grains.GetGrain<IMediaGrain>(mediaId) : throw ChatException.NotFound("Unknown media id.");

    private static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ProtocolJson.Options, statusCode: status);

    private sealed record CreateUploadRequest(string? FileName, string? ContentType, long? SizeBytes);
}
