using Orleans.Concurrency;

namespace ChatOrleans;

/// <summary>
/// One user's upload budget (key: user id), the same through every gateway and across restarts:
/// the bytes declared in the last 24 hours and the uploads opened but not yet completed. Touched
/// when an upload is opened or completed, never when a message is sent.
/// </summary>
[Alias("ChatOrleans.IUploadQuotaGrain")]
public interface IUploadQuotaGrain : IGrainWithStringKey
{
    /// <summary>
    /// Counts a new upload of <paramref name="sizeBytes"/> against the budget, or says why not
    /// and when to try again. Asking again for the same media id is answered as the first time
    /// and counts once.
    /// </summary>
    [Alias("Reserve")]
    Task<UploadQuotaDecision> Reserve(string mediaId, long sizeBytes);

    /// <summary>The upload was not opened after all (the media refused it): its bytes and its place are given back.</summary>
    [Alias("Release")]
    Task Release(string mediaId);

    /// <summary>The upload was completed (ready or rejected): it no longer waits, though its bytes still count for the day.</summary>
    [OneWay, Alias("Completed")]
    Task Completed(string mediaId);
}

/// <summary>Whether an upload fits the budget; when not, why and how long until it would.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.UploadQuotaDecision")]
public sealed record UploadQuotaDecision(bool Allowed, TimeSpan RetryAfter, string? Reason)
{
    public static readonly UploadQuotaDecision Allow = new(true, TimeSpan.Zero, null);
}
