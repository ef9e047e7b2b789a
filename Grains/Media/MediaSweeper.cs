using ChatOrleans.Grains.Media.Stores;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Media;

/// <summary>
/// Removes uploads that were never attached to a message: every <see cref="MediaOptions.SweepPeriod"/>
/// it lists the store and asks the media grain of each id older than
/// <see cref="MediaOptions.UnattachedRetention"/> to remove itself if unattached. The grain
/// decides (one call at a time per media), so a send that attaches meanwhile is never undone.
/// Every silo runs one; sweeping twice is harmless.
/// </summary>
public sealed partial class MediaSweeper(
    IMediaStore store,
    IGrainFactory grains,
    IOptions<MediaOptions> options,
    TimeProvider time,
    ILogger<MediaSweeper> logger) : BackgroundService
{
    /// <summary>One pass: removes what is unattached and created before <paramref name="now"/> minus the retention.</summary>
    public async Task<int> SweepOnceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - options.Value.UnattachedRetention;
        var removed = 0;
        await foreach (var media in store.ListAsync(cancellationToken))
        {
            if (media.OldestWrite >= cutoff)
            {
                continue;
            }

            try
            {
                if (await grains.GetGrain<IMediaGrain>(media.MediaId).SweepIfUnattached(cutoff))
                {
                    removed++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(media.MediaId, ex);
            }
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await SweepOnceAsync(time.GetUtcNow(), stoppingToken);
                if (removed > 0)
                {
                    LogSwept(removed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(ex);
            }
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Removed {Count} uploads that were never attached")]
    private partial void LogSwept(int count);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Sweeping media {MediaId} failed; the next pass tries again")]
    private partial void LogSweepFailed(string mediaId, Exception exception);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "A media sweep failed; the next pass tries again")]
    private partial void LogPassFailed(Exception exception);
}
