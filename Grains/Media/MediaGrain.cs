using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Media.Stores;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Media;

/// <summary>
/// One upload. The gateway opens it (<see cref="Create"/>) and signs an upload URL for the
/// client; the client PUTs the bytes straight into the store; <see cref="Complete"/> then takes
/// them out of the upload URL's reach, checks the real type and size, makes the preview and
/// stores the checked copy. Sending attaches it to a chat (<see cref="Attach"/>), which is what
/// lets the chat's members read it and keeps the sweeper away.
/// </summary>
public sealed partial class MediaGrain(
    [PersistentState("media", StorageNames.GrainState)] IPersistentState<MediaState> state,
    IMediaStore store,
    ImagePreviews images,
    VideoPosters videos,
    IOptions<MediaOptions> options,
    TimeProvider time,
    ILogger<MediaGrain> logger) : Grain, IMediaGrain
{
    private const int MaxFileNameLength = 255;

    private string MediaId => this.GetPrimaryKeyString();

    private MediaState State => state.State;

    private bool Exists => State.OwnerId is not null;

    public async Task<MediaInfo> Create(string ownerId, string fileName, string contentType, long sizeBytes)
    {
        var name = CleanFileName(fileName);
        var type = NormalizeType(contentType);
        if (!options.Value.EffectiveAllowedTypes.Contains(type, StringComparer.Ordinal))
        {
            throw new ChatException(ErrorCodes.UnsupportedType, $"Uploads of type \"{type}\" are not accepted.");
        }

        if (sizeBytes > options.Value.MaxUploadBytes)
        {
            throw new ChatException(ErrorCodes.TooLarge, $"An upload may hold at most {options.Value.MaxUploadBytes} bytes.");
        }

        if (sizeBytes <= 0)
        {
            throw ChatException.BadRequest("size_bytes must be a positive number of bytes.");
        }

        if (Exists)
        {
            // Ids are fresh per upload; a repeat of the same opening is answered as it was.
            if (State.OwnerId == ownerId && State.FileName == name && State.DeclaredType == type && State.DeclaredSize == sizeBytes)
            {
                return Info();
            }

            throw ChatException.Conflict("This media id is taken.");
        }

        State.OwnerId = ownerId;
        State.FileName = name;
        State.DeclaredType = type;
        State.DeclaredSize = sizeBytes;
        State.ContentType = type;
        State.SizeBytes = sizeBytes;
        State.Status = MediaStatus.Pending;
        State.CreatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return Info();
    }

    public async Task<MediaInfo> Complete(string requesterId)
    {
        EnsureExists();
        if (State.OwnerId != requesterId)
        {
            throw ChatException.Forbidden("Only the uploader can complete this media.");
        }

        if (State.Status != MediaStatus.Pending)
        {
            await CloseUpload();
            return Info();
        }

        var limit = options.Value.MaxUploadBytes;
        await using (var upload = await store.TakeUploadAsync(MediaId, limit, CancellationToken.None))
        {
            if (upload is null)
            {
                throw ChatException.Conflict("Nothing has been uploaded for this media yet: PUT the bytes to its upload_url first.");
            }

            var refusal = upload.Length > limit
                ? $"The upload holds {upload.Length} bytes; at most {limit} are accepted."
                : upload.Length != State.DeclaredSize
                    ? $"The upload holds {upload.Length} bytes, not the {State.DeclaredSize} declared."
                    : await CheckAndStore(upload.Path!);
            if (refusal is not null)
            {
                await Reject(refusal, upload.Length);
            }
        }

        // What was checked stays what is served: the upload URL (valid until it expires) can no
        // longer place bytes or leave an object behind. The owner's budget stops counting it as waiting.
        await GrainFactory.GetGrain<IUploadQuotaGrain>(State.OwnerId!).Completed(MediaId);
        await CloseUpload();
        return Info();
    }

    public Task<bool> PlaceLocalUpload(string partName)
    {
        if (!Exists || State.Status != MediaStatus.Pending || store is not LocalDiskMediaStore local)
        {
            return Task.FromResult(false);
        }

        return Task.FromResult(local.PlaceUpload(MediaId, partName));
    }

    public Task<MediaInfo> Get()
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public async Task<MediaInfo> GetFor(string requesterId)
    {
        EnsureExists();
        if (State.OwnerId == requesterId)
        {
            return Info();
        }

        foreach (var chatId in State.Chats)
        {
            if (await GrainFactory.GetGrain<IChatGrain>(chatId).IsMember(requesterId))
            {
                return Info();
            }
        }

        throw ChatException.Forbidden("This media is not shared with you.");
    }

    public async Task<MediaInfo> Attach(string senderId, string chatId)
    {
        if (!Exists)
        {
            throw ChatException.NotFound("Unknown media id.");
        }

        if (State.OwnerId != senderId)
        {
            throw ChatException.Forbidden("Only its uploader can attach this media.");
        }

        if (State.Status != MediaStatus.Ready)
        {
            throw ChatException.Conflict(State.Status == MediaStatus.Rejected
                ? "This media was rejected and cannot be attached."
                : "This media is not ready: complete the upload first.");
        }

        if (State.Chats.Add(chatId))
        {
            await state.WriteStateAsync();
        }

        return Info();
    }

    public async Task<bool> SweepIfUnattached(DateTimeOffset createdBefore)
    {
        if (Exists && (State.Chats.Count > 0 || State.CreatedAt >= createdBefore))
        {
            return false;
        }

        await store.DeleteAsync(MediaId, CancellationToken.None);
        if (Exists)
        {
            LogSwept(MediaId, State.CreatedAt);
            await state.ClearStateAsync();
            state.State = new MediaState();
        }

        DeactivateOnIdle();
        return true;
    }

    private async Task CloseUpload()
    {
        if (State.UploadClosed)
        {
            return;
        }

        await store.CloseUploadAsync(MediaId, CancellationToken.None);
        State.UploadClosed = true;
        await state.WriteStateAsync();
    }

    /// <summary>Checks the taken bytes and stores them with their preview; returns why they are refused, or null.</summary>
    private async Task<string?> CheckAndStore(string path)
    {
        var declared = State.DeclaredType;
        var detected = Sniff(path);
        if (detected is null || !ContentSniffer.Agrees(declared, detected))
        {
            return detected is null
                ? $"The bytes are not {declared}."
                : $"The bytes are not {declared} (they look like {detected}).";
        }

        // Within one family the bytes name the type (an MP4 declared as QuickTime is an MP4).
        var contentType = options.Value.EffectiveAllowedTypes.Contains(detected, StringComparer.Ordinal) ? detected : declared;
        var thumbnailPath = Path.Combine(Path.GetTempPath(), $"chatorleans-thumb-{Guid.NewGuid():N}.jpg");
        try
        {
            var preview = MediaPreview.None;
            if (contentType.StartsWith("image/", StringComparison.Ordinal))
            {
                var image = await Task.Run(() => images.Create(path, thumbnailPath));
                if (image is null)
                {
                    return "The image cannot be decoded.";
                }

                preview = image;
            }
            else if (contentType.StartsWith("video/", StringComparison.Ordinal))
            {
                preview = await videos.CreateAsync(path, thumbnailPath, CancellationToken.None);
            }

            await store.SaveAsync(MediaId, MediaIds.OriginalVariant, path, contentType, CancellationToken.None);
            if (preview.ThumbnailPath is { } thumbnail)
            {
                await store.SaveAsync(MediaId, MediaIds.ThumbnailVariant, thumbnail, "image/jpeg", CancellationToken.None);
            }

            State.Status = MediaStatus.Ready;
            State.ContentType = contentType;
            State.SizeBytes = State.DeclaredSize;
            State.Width = preview.Width;
            State.Height = preview.Height;
            State.HasThumbnail = preview.ThumbnailPath is not null;
            await state.WriteStateAsync();
            LogReady(MediaId, contentType, State.SizeBytes, State.HasThumbnail);
            return null;
        }
        finally
        {
            File.Delete(thumbnailPath);
        }
    }

    private async Task Reject(string reason, long storedSize)
    {
        await store.DeleteAsync(MediaId, CancellationToken.None);
        State.Status = MediaStatus.Rejected;
        State.RejectReason = reason;
        State.SizeBytes = storedSize;
        await state.WriteStateAsync();
        LogRejected(MediaId, reason);
    }

    private static string? Sniff(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[ContentSniffer.SampleBytes];
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return ContentSniffer.Detect(head.AsSpan(0, read), wholeFile: read < head.Length);
    }

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw ChatException.NotFound("Unknown media id.");
        }
    }

    private MediaInfo Info() => new(
        MediaId, State.OwnerId!, State.Status, State.RejectReason, State.ContentType, State.FileName,
        State.SizeBytes, State.Width, State.Height, State.HasThumbnail, State.CreatedAt);

    /// <summary>The file's own name: no folders, no control characters, at most 255 characters.</summary>
    private static string CleanFileName(string? fileName)
    {
        var name = (fileName ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..].Trim();
        name = new string(name.Where(c => !char.IsControl(c)).ToArray());
        if (name.Length == 0 || name.Length > MaxFileNameLength || name is "." or "..")
        {
            throw ChatException.BadRequest($"file_name must be a file name of 1 to {MaxFileNameLength} characters.");
        }

        return name;
    }

    /// <summary>Lower case, parameters such as <c>; charset=utf-8</c> dropped.</summary>
    private static string NormalizeType(string? contentType)
    {
        var type = (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();
        if (type.Length == 0)
        {
            throw ChatException.BadRequest("content_type is required.");
        }

        return type;
    }
}
