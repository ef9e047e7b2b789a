namespace ChatOrleans;

/// <summary>
/// A page of history, ascending by seq. With <see cref="AfterSeq"/>: the first <see cref="Limit"/>
/// above it, and below <see cref="BeforeSeq"/> too when that is set (the window between them);
/// otherwise the latest <see cref="Limit"/> below <see cref="BeforeSeq"/> (or overall).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.HistoryQuery")]
public sealed record HistoryQuery(long? BeforeSeq, long? AfterSeq, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The query of a client's cursors, <paramref name="limit"/> defaulted and clamped to 1–<see cref="MaxLimit"/>.</summary>
    public static HistoryQuery Create(long? beforeSeq, long? afterSeq, int? limit) =>
        new(beforeSeq, afterSeq, Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit));
}
