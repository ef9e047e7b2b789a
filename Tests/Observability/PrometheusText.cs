using System.Globalization;

namespace ChatOrleans.Tests.Observability;

/// <summary>Reads what a test needs from Prometheus' text exposition format.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>GET <c>/metrics</c> of <paramref name="http"/>'s base address: 200, Prometheus text.</summary>
    public static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("metrics");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The value of the first sample named <paramref name="name"/> (any labels), or null.</summary>
    public double? Value(string name)
    {
        foreach (var (sample, _, value) in Samples())
        {
            if (sample == name)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The value of the sample named <paramref name="name"/> whose label <paramref name="label"/> is <paramref name="labelValue"/>, or null.</summary>
    public double? Value(string name, string label, string labelValue)
    {
        foreach (var (sample, labels, value) in Samples())
        {
            if (sample == name && Label(labels, label) == labelValue)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Every value label <paramref name="label"/> takes among the samples named <paramref name="name"/>.</summary>
    public IReadOnlyList<string> LabelValues(string name, string label) =>
        [.. Samples().Where(s => s.Name == name).Select(s => Label(s.Labels, label)).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>The sum of every sample named <paramref name="name"/>, whatever its labels.</summary>
    public double Sum(string name) => Samples().Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>Cumulative bucket counts of a histogram by upper bound (<c>+Inf</c> last).</summary>
    public IReadOnlyList<(double UpperBound, double Count)> Buckets(string histogram)
    {
        var buckets = new List<(double, double)>();
        foreach (var (sample, labels, value) in Samples())
        {
            if (sample == histogram + "_bucket")
            {
                var le = Label(labels, "le");
                buckets.Add((le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture), value));
            }
        }

        return [.. buckets.OrderBy(b => b.Item1)];
    }

    /// <summary>
    /// The <paramref name="q"/> quantile of the observations between two scrapes, interpolated
    /// linearly inside the bucket it falls in, as Prometheus' <c>histogram_quantile</c> does.
    /// </summary>
    public static double Quantile(double q, IReadOnlyList<(double UpperBound, double Count)> before, IReadOnlyList<(double UpperBound, double Count)> after)
    {
        var counts = after.Select(a => (a.UpperBound, Count: a.Count - (before.FirstOrDefault(b => b.UpperBound == a.UpperBound).Count))).ToList();
        var total = counts[^1].Count;
        var rank = q * total;
        var lower = 0.0;
        var below = 0.0;
        foreach (var (upper, cumulative) in counts)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(upper))
                {
                    return lower;
                }

                return lower + ((upper - lower) * (rank - below) / Math.Max(1, cumulative - below));
            }

            lower = upper;
            below = cumulative;
        }

        return lower;
    }

    private IEnumerable<(string Name, string Labels, double Value)> Samples()
    {
        foreach (var raw in Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            string name, labels, rest;
            if (brace >= 0 && brace < line.IndexOf(' ', StringComparison.Ordinal))
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                labels = line[(brace + 1)..close];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..line.IndexOf(' ', StringComparison.Ordinal)];
                labels = "";
                rest = line[(name.Length + 1)..].Trim();
            }

            var valueText = rest.Split(' ')[0];
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, CultureInfo.InvariantCulture),
            };
            yield return (name, labels, value);
        }
    }

    private static string Label(string labels, string key)
    {
        foreach (var pair in labels.Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim() == key)
            {
                return pair[(equals + 1)..].Trim().Trim('"');
            }
        }

        return "";
    }
}
