namespace ChatOrleans.Tests.Infrastructure;

/// <summary>How <see cref="WatchedProcess.Start(string, IReadOnlyList{string}, WatchedProcessOptions)"/> runs a server.</summary>
public sealed record WatchedProcessOptions
{
    /// <summary>The signal the server gets when the test process is gone.</summary>
    public string OrphanSignal { get; init; } = "KILL";

    /// <summary>Where the server runs; null: the test process's folder.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set for the server on top of the test process's; a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>How many lines of output are kept; the oldest tenth goes when it is reached.</summary>
    public int MaxLogLines { get; init; } = 5_000;

    /// <summary>Whether each kept line starts with the seconds since the start, e.g. <c>[  12.34s]</c>.</summary>
    public bool Timestamps { get; init; }
}
