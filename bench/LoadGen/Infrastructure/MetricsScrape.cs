using System.Globalization;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>
/// The counters the generator reads from the server's <c>GET /metrics</c> (Prometheus text from OpenTelemetry), taken at
/// one moment on the generator's clock. Only what the scenarios need: the grain calls by interface
/// (<c>chatorleans_grain_calls_total{interface}</c>) and the messages the chats stored (<c>chatorleans_messages_sent_total</c>).
/// </summary>
/// <remarks>
/// <c>/metrics</c> answers requests from the same machine without a credential (ServiceDefaults/OperatorAccess.cs), which
/// is what a server the generator started on 127.0.0.1 is; a remote server needs <c>Operator:Username</c> and
/// <c>Operator:Password</c>, which the generator does not have, and then the scrape fails with the server's answer.
/// </remarks>
public sealed record MetricsScrape(long Ticks, IReadOnlyDictionary<string, double> GrainCalls, double MessagesStored)
{
    public const string GrainCallsName = "chatorleans_grain_calls_total";
    public const string MessagesStoredName = "chatorleans_messages_sent_total";

    public static async Task<MetricsScrape> ReadAsync(HttpClient http, Uri serverBase, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri(serverBase, "metrics"), cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET /metrics answered {(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
        }

        return Parse(text, BenchClock.Now);
    }

    /// <summary>Sums each counter's series by the label that matters (other labels, such as the meter's scope, are summed over).</summary>
    public static MetricsScrape Parse(string text, long ticks)
    {
        var calls = new Dictionary<string, double>(StringComparer.Ordinal);
        double stored = 0;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (Sample(line, GrainCallsName) is { } call)
            {
                string grainInterface = Label(call.Labels, "interface");
                calls[grainInterface] = calls.GetValueOrDefault(grainInterface) + call.Value;
            }
            else if (Sample(line, MessagesStoredName) is { } sent)
            {
                stored += sent.Value;
            }
        }

        return new MetricsScrape(ticks, calls, stored);
    }

    /// <summary>What each interface received between <paramref name="before"/> and this scrape (a series new since then counts from zero).</summary>
    public IReadOnlyDictionary<string, double> CallsSince(MetricsScrape before) =>
        GrainCalls.ToDictionary(kv => kv.Key, kv => kv.Value - before.GrainCalls.GetValueOrDefault(kv.Key), StringComparer.Ordinal);

    private static (string Labels, double Value)? Sample(string line, string name)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length)
        {
            return null;
        }

        string labels = "";
        int rest = name.Length;
        if (line[rest] == '{')
        {
            int close = line.LastIndexOf('}');
            if (close < rest)
            {
                return null;
            }

            labels = line[(rest + 1)..close];
            rest = close + 1;
        }
        else if (line[rest] != ' ')
        {
            // Another metric whose name starts with this one.
            return null;
        }

        string[] fields = line[rest..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? (labels, value)
            : null;
    }

    private static string Label(string labels, string key)
    {
        // Label values here are interface names: no commas or escaped quotes inside them.
        foreach (string pair in labels.Split(','))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim() == key)
            {
                return pair[(equals + 1)..].Trim().Trim('"');
            }
        }

        return "";
    }
}
