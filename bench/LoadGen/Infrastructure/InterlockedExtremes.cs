namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>A running maximum or minimum that many threads update without a lock.</summary>
public static class InterlockedExtremes
{
    /// <summary>Sets <paramref name="target"/> to <paramref name="value"/> when that is larger; a racing larger value wins.</summary>
    public static void RaiseTo(ref long target, long value) => MoveTo(ref target, value, up: true);

    /// <summary>Sets <paramref name="target"/> to <paramref name="value"/> when that is smaller; a racing smaller value wins.</summary>
    public static void LowerTo(ref long target, long value) => MoveTo(ref target, value, up: false);

    private static void MoveTo(ref long target, long value, bool up)
    {
        long current = Interlocked.Read(ref target);
        while (up ? value > current : value < current)
        {
            long seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
