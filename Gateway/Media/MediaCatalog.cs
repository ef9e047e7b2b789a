using Microsoft.Extensions.Caching.Memory;

namespace ChatOrleans.Gateway.Media;

/// <summary>
/// This gateway's cache of ready media: a ready media never changes (attached ones are never
/// removed), so each id costs one grain call per gateway, however many messages and devices
/// carry it.
/// </summary>
public sealed class MediaCatalog(IGrainFactory grains) : IDisposable
{
    private const int Capacity = 100_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <summary>The media, or null when no media has this id (any more).</summary>
    public ValueTask<MediaInfo?> FindAsync(string mediaId) =>
        _cache.TryGetValue(mediaId, out MediaInfo? known) ? ValueTask.FromResult(known) : LoadAsync(mediaId);

    /// <summary>Keeps what another call (complete, get) learned of a media.</summary>
    public void Remember(MediaInfo info)
    {
        if (info.Status == MediaStatus.Ready)
        {
            _cache.Set(info.MediaId, info, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(6) });
        }
    }

    public void Dispose() => _cache.Dispose();

    private async ValueTask<MediaInfo?> LoadAsync(string mediaId)
    {
        if (!MediaIds.IsValid(mediaId))
        {
            return null;
        }

        try
        {
            var info = await grains.GetGrain<IMediaGrain>(mediaId).Get();
            Remember(info);
            return info;
        }
        catch (ChatException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            return null;
        }
    }
}
