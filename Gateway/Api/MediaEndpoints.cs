using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>/api/v1/media/*</c>: open an upload (the client then PUTs the bytes to the signed
/// <c>upload_url</c>), complete it (the silo checks the bytes), and read a media with fresh URLs.
/// </summary>
public static class MediaEndpoints
{
    private const string Tag = "media";

    public static RouteGroupBuilder MapMediaEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/media/uploads", CreateUpload)
            .Describe(Tag, "CreateUpload", "Open an upload; the client then sends the bytes to upload_url.")
            .Body<CreateUploadRequest>().Answers<UploadResponse>(StatusCodes.Status201Created)
            .Refuses(400, 401, 413, 415, 429, 503);

        api.MapPost("/media/{mediaId}/complete", CompleteUpload)
            .Describe(Tag, "CompleteUpload", "Finish an upload: the server checks the bytes (status ready or rejected).")
            .Answers<MediaResponse>()
            .Refuses(401, 403, 404, 409, 503);

        api.MapGet("/media/{mediaId}", GetMedia)
            .Describe(Tag, "GetMedia", "A media with fresh signed URLs.")
            .Answers<MediaResponse>()
            .Refuses(401, 403, 404, 503);

        return api;
    }

    private static async Task<IResult> CreateUpload(HttpContext context, IGrainFactory grains, MediaLinks links)
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
            return new RateLimitedResponse(decision.RetryAfter, decision.Reason ?? "Too many uploads.", RateLimitBudgets.Upload);
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
        return Json(new UploadResponse(info.MediaId, target.Url, "PUT", target.Headers, expiresAt), StatusCodes.Status201Created);
    }

    private static async Task<IResult> CompleteUpload(string mediaId, HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        var info = await Media(grains, mediaId).Complete(context.UserId());
        links.Catalog.Remember(info);
        return Json(new MediaResponse(links.Describe(info, links.OriginOf(context.Request))));
    }

    private static async Task<IResult> GetMedia(string mediaId, HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        var info = await Media(grains, mediaId).GetFor(context.UserId());
        links.Catalog.Remember(info);
        return Json(new MediaResponse(links.Describe(info, links.OriginOf(context.Request))));
    }

    private static IMediaGrain Media(IGrainFactory grains, string mediaId) =>
        MediaIds.IsValid(mediaId) ? grains.GetGrain<IMediaGrain>(mediaId) : throw ChatException.NotFound("Unknown media id.");

    private static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ProtocolJson.Options, statusCode: status);

    private sealed record CreateUploadRequest(string? FileName, string? ContentType, long? SizeBytes);
}
