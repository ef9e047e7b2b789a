namespace ChatOrleans.Tests.Infrastructure;

/// <summary>The options a server under <see cref="WatchedProcess"/> runs with, on a real <c>sh</c>.</summary>
public sealed class WatchedProcessTests
{
    // WaitForExitAsync also waits for the output to be read to its end, so every line is kept by then.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunsInTheGivenFolderWithTheGivenVariablesSetAndRemoved()
    {
        using var folder = new TempDirectory();
        Environment.SetEnvironmentVariable("CHATORLEANS_WATCHED_REMOVED", "inherited");
        try
        {
            using var process = WatchedProcess.Start(
                "options",
                ["/bin/sh", "-c", "echo \"dir=$(pwd)\"; echo \"set=$CHATORLEANS_WATCHED_SET\"; echo \"removed=${CHATORLEANS_WATCHED_REMOVED-none}\""],
                new WatchedProcessOptions
                {
                    WorkingDirectory = folder.Path,
                    Environment = new Dictionary<string, string?>
                    {
                        ["CHATORLEANS_WATCHED_SET"] = "given",
                        ["CHATORLEANS_WATCHED_REMOVED"] = null,
                    },
                });
            await process.WaitForExitAsync(Timeout);

            Assert.Equal(0, process.ExitCode);
            Assert.Equal(new[] { $"dir={folder.Path}" }, process.LogLinesContaining("dir="));
            Assert.Equal(new[] { "set=given" }, process.LogLinesContaining("set="));
            Assert.Equal(new[] { "removed=none" }, process.LogLinesContaining("removed="));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CHATORLEANS_WATCHED_REMOVED", null);
        }
    }

    [Fact]
    public async Task StampsLinesWhenAskedKeepsAtMostTheLimitAndTitlesTheTail()
    {
        using var process = WatchedProcess.Start(
            "stamped",
            ["/bin/sh", "-c", "i=0; while [ $i -lt 25 ]; do echo \"line $i\"; i=$((i+1)); done; echo last"],
            new WatchedProcessOptions { MaxLogLines = 20, Timestamps = true });
        await process.WaitForExitAsync(Timeout);
        process.Note("=== a note ===");

        var kept = process.LogLinesContaining("line ");
        Assert.DoesNotContain(kept, l => l.EndsWith("] line 0", StringComparison.Ordinal));
        Assert.Contains(kept, l => l.EndsWith("] line 24", StringComparison.Ordinal));
        Assert.All(kept, l => Assert.Matches(@"^\[ *\d+\.\d\ds\] line \d+$", l));
        Assert.Single(process.LogLinesContaining("=== a note ==="));
        Assert.StartsWith("--- the title, last 3 of ", process.LogTail(3, "the title"), StringComparison.Ordinal);
        Assert.StartsWith("--- stamped, last ", process.LogTail(3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SavesTheKeptOutputUnstampedByDefault()
    {
        using var folder = new TempDirectory();
        using var process = WatchedProcess.Start("plain", ["/bin/sh", "-c", "echo one; echo two"]);
        await process.WaitForExitAsync(Timeout);

        var path = Path.Combine(folder.Path, "plain.log");
        process.SaveLog(path);
        Assert.Equal(new[] { "one", "two" }, File.ReadAllLines(path));
    }
}
