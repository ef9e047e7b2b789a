using System.Globalization;
using ChatOrleans.LoadGen;
using ChatOrleans.LoadGen.Results;

// ChatOrleans load generator.
//   run    --mode quick|full [--scale 1] [--out file.json] [--scenarios steady,fanout,throughput,connections,storm,sender]
//          [--no-baselines] [--repo DIR] [--server-url URL] [--server-arg ARG]... [--stores embedded,postgres]
//          [--postgres-args "ARGS"] [--step-seconds N] [--no-delivered]
//   report --results DIR --out docs/benchmarks.md
ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount * 16), Math.Max(64, Environment.ProcessorCount * 16));
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: ChatOrleans.LoadGen run --mode quick|full [options] | report --results DIR --out FILE");
    return 2;
}

var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
for (int i = 1; i < args.Length; i++)
{
    string key = args[i];
    if (!key.StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"Unexpected argument '{key}'.");
        return 2;
    }

    bool flag = i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal) && !key.EndsWith("-arg", StringComparison.Ordinal) && key != "--postgres-args";
    string value = flag ? "true" : args[++i];
    if (!options.TryGetValue(key, out List<string>? values))
    {
        options[key] = values = [];
    }

    values.Add(value);
}

string? Option(string name) => options.TryGetValue(name, out List<string>? v) ? v[^1] : null;
string repo = Path.GetFullPath(Option("--repo") ?? FindRepoRoot());

switch (args[0])
{
    case "run":
        {
            string mode = Option("--mode") ?? "quick";
            string stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            string output = Option("--out") ?? Path.Combine(repo, "bench", "results", $"{stamp}-{mode}.json");
            var suiteOptions = new SuiteOptions
            {
                Mode = mode,
                Scale = double.Parse(Option("--scale") ?? "1", CultureInfo.InvariantCulture),
                Scenarios = Option("--scenarios")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? BenchSuite.AllScenarios,
                Baselines = Option("--no-baselines") is null,
                RepoRoot = repo,
                OutputPath = output,
                WorkDirectory = Path.Combine(repo, "bench", "results", "tmp", stamp),
                ServerUrl = Option("--server-url") is { } url ? new Uri(url) : null,
                ServerArguments = options.TryGetValue("--server-arg", out List<string>? serverArgs) ? serverArgs : [],
                Stores = Option("--stores")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? ["embedded"],
                PostgresArguments = Option("--postgres-args")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
                StepSeconds = Option("--step-seconds") is { } step ? double.Parse(step, CultureInfo.InvariantCulture) : null,
                AutoDelivered = Option("--no-delivered") is null,
            };

            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            var suite = new BenchSuite(suiteOptions, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
            BenchRun result = await suite.RunAsync(cancel.Token);
            result.Write(output);
            Console.WriteLine($"results: {output}");
            foreach (TargetResult target in result.Targets)
            {
                Console.WriteLine($"  [{target.Status}] {target.Target}: {target.Value}");
            }

            foreach ((string scenario, string error) in result.Errors)
            {
                Console.WriteLine($"  error in {scenario}: {Targets.FirstLine(error)}");
            }

            return result.Errors.Count == 0 ? 0 : 1;
        }

    case "report":
        {
            string results = Option("--results") ?? Path.Combine(repo, "bench", "results");
            string output = Option("--out") ?? Path.Combine(repo, "docs", "benchmarks.md");
            var runs = Directory.Exists(results)
                ? Directory.GetFiles(results, "*.json").Select(BenchRun.Read).OfType<BenchRun>().OrderBy(r => r.StartedAt).ToList()
                : [];
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, MarkdownReport.Render(runs));
            Console.WriteLine($"wrote {output} from {runs.Count} run(s)");
            return 0;
        }

    default:
        Console.Error.WriteLine($"Unknown command '{args[0]}'.");
        return 2;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ChatOrleans.sln")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
