using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Media;

/// <summary>
/// A user's upload budget: <see cref="MediaOptions.MaxUploadBytesPerDay"/> declared bytes in any
/// 24 hours, and <see cref="MediaOptions.MaxPendingUploads"/> uploads opened and not completed.
/// </summary>
/// <remarks>
/// Not a System.Threading.RateLimiting limiter: those keep their state in memory, and this budget
/// must hold across gateways and survive a restart, so it lives in grain state. The day is kept
/// as 24 hourly sums, so the state stays small however many uploads a user makes; bytes leave
/// the window an hour at a time. An upload stops waiting when it is completed, or when its
/// upload URL has expired (nothing can reach it any more).
/// </remarks>
public sealed class UploadQuotaGrain(
    [PersistentState("uploadQuota", StorageNames.GrainState)] IPersistentState<UploadQuotaState> state,
    IOptions<MediaOptions> options,
    TimeProvider time) : Grain, IUploadQuotaGrain
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private const int WindowHours = 24;

    private UploadQuotaState State => state.State;

    public async Task<UploadQuotaDecision> Reserve(string mediaId, long sizeBytes)
    {
        var now = time.GetUtcNow();
        var pruned = Prune(now);
        if (sizeBytes <= 0 || State.Pending.ContainsKey(mediaId))
        {
            // A size the media grain refuses anyway counts for nothing; a repeat counts once.
            await WriteIf(pruned);
            return UploadQuotaDecision.Allow;
        }

        var limits = options.Value;
        if (State.Pending.Count >= limits.MaxPendingUploads)
        {
            var oldest = State.Pending.Values.Min(p => p.CreatedAt);
            await WriteIf(pruned);
            return new UploadQuotaDecision(false, oldest + limits.UploadUrlLifetime - now,
                $"At most {limits.MaxPendingUploads} uploads may wait for complete at once: complete (or abandon) some first.");
        }

        var used = State.BytesPerHour.Values.Sum();
        if (used + sizeBytes > limits.MaxUploadBytesPerDay)
        {
            await WriteIf(pruned);
            return new UploadQuotaDecision(false, UntilFits(used + sizeBytes - limits.MaxUploadBytesPerDay, now),
                $"At most {limits.MaxUploadBytesPerDay} bytes may be uploaded in 24 hours.");
        }

        var hour = HourOf(now);
        State.BytesPerHour[hour] = State.BytesPerHour.GetValueOrDefault(hour) + sizeBytes;
        State.Pending[mediaId] = new PendingUpload(now, sizeBytes);
        await state.WriteStateAsync();
        return UploadQuotaDecision.Allow;
    }

    public async Task Release(string mediaId)
    {
        if (!State.Pending.Remove(mediaId, out var pending))
        {
            return;
        }

        var hour = HourOf(pending.CreatedAt);
        if (State.BytesPerHour.TryGetValue(hour, out var bytes))
        {
            var left = bytes - pending.SizeBytes;
            if (left > 0)
            {
                State.BytesPerHour[hour] = left;
            }
            else
            {
                State.BytesPerHour.Remove(hour);
            }
        }

        await state.WriteStateAsync();
    }

    public async Task Completed(string mediaId)
    {
        if (State.Pending.Remove(mediaId) | Prune(time.GetUtcNow()))
        {
            await state.WriteStateAsync();
        }
    }

    private static long HourOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / (long)Hour.TotalSeconds;

    /// <summary>How long until the oldest hours leave the window and free at least <paramref name="excess"/> bytes.</summary>
    private TimeSpan UntilFits(long excess, DateTimeOffset now)
    {
        long freed = 0;
        foreach (var (hour, bytes) in State.BytesPerHour.OrderBy(b => b.Key))
        {
            freed += bytes;
            if (freed >= excess)
            {
                return DateTimeOffset.FromUnixTimeSeconds((hour + WindowHours) * (long)Hour.TotalSeconds) - now;
            }
        }

        // Larger than a whole day's budget: never, but a day is the honest wait to state.
        return TimeSpan.FromHours(WindowHours);
    }

    /// <summary>Drops hours that left the window and uploads whose URL expired; true when anything went.</summary>
    private bool Prune(DateTimeOffset now)
    {
        var firstHour = HourOf(now) - (WindowHours - 1);
        var lifetime = options.Value.UploadUrlLifetime;
        var hours = State.BytesPerHour.Keys.Where(h => h < firstHour).ToList();
        var expired = State.Pending.Where(p => p.Value.CreatedAt + lifetime <= now).Select(p => p.Key).ToList();
        hours.ForEach(h => State.BytesPerHour.Remove(h));
        expired.ForEach(id => State.Pending.Remove(id));
        return hours.Count > 0 || expired.Count > 0;
    }

    private Task WriteIf(bool changed) => changed ? state.WriteStateAsync() : Task.CompletedTask;
}
