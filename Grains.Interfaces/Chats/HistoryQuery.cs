namespace ChatOrleans;

/// <summary>
/// A page of history. With <see cref="AfterSeq"/>: the first <see cref="Limit"/> above it
/// (below <see cref="BeforeSeq"/> too when a caller sets both directly); otherwise the latest
/// <see cref="Limit"/> below <see cref="BeforeSeq"/> (or overall).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.HistoryQuery")]
public sealed record HistoryQuery(long? BeforeSeq, long? AfterSeq, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>
    /// With both cursors the protocol asks for the first <paramref name="limit"/> above
    /// <paramref name="afterSeq"/>, so <paramref name="beforeSeq"/> is dropped then.
    /// </summary>
    public static HistoryQuery Create(long? beforeSeq, long? afterSeq, int? limit) =>
        new(afterSeq is null ? beforeSeq : null, afterSeq, Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit));
}
