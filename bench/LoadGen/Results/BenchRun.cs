using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOrleans.LoadGen.Scenarios;

namespace ChatOrleans.LoadGen.Results;

/// <summary>One benchmark run as written to <c>bench/results/&lt;timestamp&gt;-&lt;mode&gt;.json</c>.</summary>
public sealed record BenchRun
{
    public int SchemaVersion { get; init; } = 1;

    public string Mode { get; init; } = "";

    public double Scale { get; init; } = 1;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset FinishedAt { get; set; }

    public double DurationSeconds { get; set; }

    public string Commit { get; init; } = "";

    public bool WorkTreeDirty { get; init; }

    public MachineInfo Machine { get; init; } = new();

    public RunSettings Settings { get; init; } = new();

    public SteadyLatencyResult? SteadyLatency { get; set; }

    public SteadyLatencyResult? SteadyLatencySignalR { get; set; }

    public FanoutResult? Fanout { get; set; }

    public FanoutResult? FanoutBareWebSocket { get; set; }

    public FanoutResult? FanoutSignalR { get; set; }

    public List<ThroughputResult> Throughput { get; init; } = [];

    public ConnectionsResult? Connections { get; set; }

    public ReconnectStormResult? ReconnectStorm { get; set; }

    public SenderInManyChatsResult? SenderInManyChats { get; set; }

    public Dictionary<string, string> Errors { get; init; } = [];

    public List<TargetResult> Targets { get; set; } = [];

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static BenchRun? Read(string path) => JsonSerializer.Deserialize<BenchRun>(File.ReadAllText(path), JsonOptions);

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
    }
}

public sealed record MachineInfo
{
    public int Nproc { get; init; }

    public long MemoryBytes { get; init; }

    public string CpuModel { get; init; } = "";

    public string Os { get; init; } = "";

    public string Runtime { get; init; } = "";

    public int OpenFilesLimit { get; init; }

    /// <summary>Sockets one process may hold here: the open-files limit less a reserve.</summary>
    public int MaxConnectionsPerProcess { get; init; }

    public double LoadAverageAtStart { get; init; }
}

public sealed record RunSettings
{
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    public IReadOnlyList<string> ServerArguments { get; init; } = [];

    public IReadOnlyList<string> Stores { get; init; } = [];

    public int LoopbackSourceAddresses { get; init; }

    public bool AutoDelivered { get; init; }

    public string ServerProcess { get; init; } = "";
}

/// <summary>One target from the issue: met, not met, or not measured, with the number it rests on.</summary>
public sealed record TargetResult(string Id, string Target, string Status, string Value, string Detail)
{
    public const string Met = "met";
    public const string NotMet = "not met";
    public const string NotMeasured = "not measured";
}
