using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>
/// A server under test run as its own process (<c>dotnet some.dll --urls …</c>), so that its memory and CPU are its
/// own: resident memory from <c>/proc/&lt;pid&gt;/status</c>, CPU time from <c>/proc/&lt;pid&gt;/stat</c>. Killed
/// with its process tree when disposed, and when the generator exits.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly List<Process> Running = [];
    private readonly Process _process;
    private readonly StreamWriter _log;

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ServerProcess(string name, Process process, StreamWriter log, Uri baseUri, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        BaseUri = baseUri;
        LogPath = logPath;
    }

    public string Name { get; }

    public Uri BaseUri { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> --urls http://127.0.0.1:port …</c> and waits for <c>GET <paramref name="readyPath"/></c> to answer 2xx.</summary>
    public static async Task<ServerProcess> StartAsync(
        string name, string dll, IEnumerable<string> arguments, string logDirectory, string readyPath = "/healthz",
        IDictionary<string, string>? environment = null, TimeSpan? startTimeout = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The {name} server is not built: {dll}", dll);
        }

        int port = FreeTcpPort();
        var baseUri = new Uri($"http://127.0.0.1:{port}/");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseUri.ToString().TrimEnd('/'));
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Directory.CreateDirectory(logDirectory);
        string logPath = Path.Combine(logDirectory, $"{name}-{port}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => WriteLine(log, e.Data);
        process.ErrorDataReceived += (_, e) => WriteLine(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (Running)
        {
            Running.Add(process);
        }

        var server = new ServerProcess(name, process, log, baseUri, logPath);
        try
        {
            await server.WaitReadyAsync(readyPath, startTimeout ?? TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Resident set size in bytes (VmRSS), or 0 where /proc is not there.</summary>
    public long ReadRssBytes() => ReadRssBytes(Pid);

    public static long ReadRssBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>User plus system CPU seconds the process has used so far.</summary>
    public double ReadCpuSeconds() => ReadCpuSeconds(Pid);

    public static double ReadCpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>The last lines the server wrote, for error messages.</summary>
    public string Tail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            string[] all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }

        lock (Running)
        {
            Running.Remove(_process);
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void WriteLine(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static void KillAll()
    {
        lock (Running)
        {
            foreach (Process process in Running)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }

    private async Task WaitReadyAsync(string readyPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The {Name} server exited with code {_process.ExitCode} while starting:\n{Tail()}");
            }

            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri(BaseUri, readyPath.TrimStart('/')), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"The {Name} server did not become ready within {timeout}:\n{Tail()}");
    }
}
