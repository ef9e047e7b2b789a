using ChatOrleans.LoadGen.Infrastructure;

namespace ChatOrleans.Tests.Bench;

/// <summary>The load generator's lock-free running maximum and minimum.</summary>
public sealed class InterlockedExtremesTests
{
    [Fact]
    public void RaisesOnlyToALargerValueAndLowersOnlyToASmallerOne()
    {
        long max = 10;
        InterlockedExtremes.RaiseTo(ref max, 5);
        Assert.Equal(10, max);
        InterlockedExtremes.RaiseTo(ref max, 12);
        Assert.Equal(12, max);

        long min = 10;
        InterlockedExtremes.LowerTo(ref min, 12);
        Assert.Equal(10, min);
        InterlockedExtremes.LowerTo(ref min, -3);
        Assert.Equal(-3, min);
    }

    [Fact]
    public async Task KeepsTheExtremesOfValuesRacingFromManyThreads()
    {
        long max = long.MinValue;
        long min = long.MaxValue;
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (long i = 0; i < 20_000; i++)
            {
                var value = (i * 8) + worker;
                InterlockedExtremes.RaiseTo(ref max, value);
                InterlockedExtremes.LowerTo(ref min, value);
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal((19_999 * 8) + 7, max);
        Assert.Equal(0, min);
    }
}
