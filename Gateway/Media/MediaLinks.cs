using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Media;

/// <summary>
/// Renders media objects with freshly signed URLs, and messages and chats with their media.
/// Every answer and every frame signs anew; a fan-out signs once per event, not per recipient.
/// </summary>
public sealed class MediaLinks(MediaCatalog catalog, IMediaUrlSigner signer, IOptions<MediaOptions> options, TimeProvider time)
{
    private readonly MediaOptions _options = options.Value;

    /// <summary>Whether URLs differ by the origin a client connected to (the local store's do).</summary>
    public bool UsesOrigin => signer.UsesOrigin;

    public MediaCatalog Catalog => catalog;

    /// <summary>The scheme and host that local URLs start with: the configured public address, else the request's.</summary>
    public string OriginOf(HttpRequest request) =>
        _options.PublicBaseUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{request.Scheme}://{request.Host.Value}{request.PathBase.Value}";

    public DateTimeOffset UploadExpiry() => time.GetUtcNow() + _options.UploadUrlLifetime;

    public UploadTarget SignUpload(MediaInfo info, DateTimeOffset expiresAt, string origin) =>
        signer.SignUpload(info.MediaId, info.ContentType, info.SizeBytes, expiresAt, origin);

    /// <summary>The protocol's media object; URLs only for a ready media.</summary>
    public MediaDto Describe(MediaInfo info, string origin) => Describe(info, origin, time.GetUtcNow() + _options.UrlLifetime);

    public ValueTask<MessageDto> MessageAsync(ChatMessage message, string origin)
    {
        if (message.MediaIds.Count == 0)
        {
            return ValueTask.FromResult(MessageDto.From(message, []));
        }

        return RenderAsync(message, origin, time.GetUtcNow() + _options.UrlLifetime);
    }

    public async ValueTask<List<MessageDto>> MessagesAsync(IReadOnlyList<ChatMessage> messages, string origin)
    {
        var expiresAt = time.GetUtcNow() + _options.UrlLifetime;
        var ids = messages.SelectMany(m => m.MediaIds).Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, MediaInfo>(StringComparer.Ordinal);
        if (ids.Count > 0)
        {
            var infos = await Task.WhenAll(ids.Select(id => catalog.FindAsync(id).AsTask()));
            foreach (var info in infos)
            {
                if (info is not null)
                {
                    found[info.MediaId] = info;
                }
            }
        }

        var rendered = new List<MessageDto>(messages.Count);
        foreach (var message in messages)
        {
            rendered.Add(MessageDto.From(message, Media(message, found, origin, expiresAt)));
        }

        return rendered;
    }

    public async ValueTask<ChatDto> ChatAsync(ChatView view, string origin) =>
        ChatDto.From(view, view.LastMessage is { } last ? await MessageAsync(last, origin) : null);

    public async ValueTask<List<ChatDto>> ChatsAsync(IReadOnlyList<ChatView> views, string origin)
    {
        var messages = await MessagesAsync(views.Select(v => v.LastMessage).OfType<ChatMessage>().ToList(), origin);
        var byId = messages.ToDictionary(m => m.MessageId + "\n" + m.ChatId, StringComparer.Ordinal);
        return views
            .Select(v => ChatDto.From(v, v.LastMessage is { } last ? byId[last.MessageId + "\n" + last.ChatId] : null))
            .ToList();
    }

    private async ValueTask<MessageDto> RenderAsync(ChatMessage message, string origin, DateTimeOffset expiresAt)
    {
        var found = new Dictionary<string, MediaInfo>(StringComparer.Ordinal);
        foreach (var id in message.MediaIds)
        {
            if (await catalog.FindAsync(id) is { } info)
            {
                found[id] = info;
            }
        }

        return MessageDto.From(message, Media(message, found, origin, expiresAt));
    }

    private List<MediaDto> Media(ChatMessage message, Dictionary<string, MediaInfo> found, string origin, DateTimeOffset expiresAt)
    {
        var media = new List<MediaDto>(message.MediaIds.Count);
        foreach (var id in message.MediaIds)
        {
            // A media that vanished (it cannot once attached, but a log is forever) is left out.
            if (found.TryGetValue(id, out var info))
            {
                media.Add(Describe(info, origin, expiresAt));
            }
        }

        return media;
    }

    private MediaDto Describe(MediaInfo info, string origin, DateTimeOffset expiresAt)
    {
        var ready = info.Status == MediaStatus.Ready;
        return new MediaDto(
            info.MediaId,
            info.Status switch
            {
                MediaStatus.Ready => "ready",
                MediaStatus.Rejected => "rejected",
                _ => "pending",
            },
            info.RejectReason,
            info.ContentType,
            info.FileName,
            info.SizeBytes,
            info.Width,
            info.Height,
            ready ? signer.SignRead(info.MediaId, MediaIds.OriginalVariant, info.ContentType, info.FileName, expiresAt, origin) : null,
            ready && info.HasThumbnail ? signer.SignRead(info.MediaId, MediaIds.ThumbnailVariant, "image/jpeg", null, expiresAt, origin) : null,
            ready ? expiresAt : null);
    }
}
