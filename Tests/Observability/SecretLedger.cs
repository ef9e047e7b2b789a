using System.Net;
using System.Text;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// The secrets one run handed to the server, each with its kind, and the search of every line the
/// run's processes wrote for each of them: as sent, URL-encoded, JSON-escaped (the JSON console
/// formatter escapes <c>+</c> and the like), base64, and a tail of the longer ones (a log that
/// shortens a value would still show its end).
/// </summary>
public sealed class SecretLedger
{
    private const int TailLength = 20;

    private readonly List<(string Kind, string Value)> _secrets = [];

    public IReadOnlyList<(string Kind, string Value)> Secrets => _secrets;

    /// <summary>A random, distinctive value: <paramref name="prefix"/> and 24 hex digits.</summary>
    public static string Fresh(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    /// <summary>Records <paramref name="value"/> as a secret of kind <paramref name="kind"/> and returns it.</summary>
    public string Add(string kind, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _secrets.Add((kind, value));
        return value;
    }

    /// <summary>The forms each secret is searched for.</summary>
    public static IEnumerable<string> FormsOf(string value)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal)
        {
            value,
            Uri.EscapeDataString(value),
            WebUtility.UrlEncode(value),
            JsonEncodedText.Encode(value).ToString(),
        };
        if (value.Length >= 12)
        {
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
            forms.Add(base64.TrimEnd('='));
            forms.Add(base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        }

        if (value.Length >= 32)
        {
            var tail = value[^TailLength..];
            forms.Add(tail);
            forms.Add(Uri.EscapeDataString(tail));
            forms.Add(JsonEncodedText.Encode(tail).ToString());
        }

        return forms;
    }

    /// <summary>Every line of <paramref name="processes"/> that holds a form of a secret, named by kind and process.</summary>
    public IReadOnlyList<string> FindLeaks(IEnumerable<ClusterProcess> processes)
    {
        var leaks = new List<string>();
        foreach (var process in processes)
        {
            foreach (var (kind, value) in _secrets)
            {
                foreach (var form in FormsOf(value))
                {
                    foreach (var line in process.LogLinesContaining(form))
                    {
                        leaks.Add($"{kind} (as \"{Shorten(form)}\") in the log of {process.Name}: {Shorten(line, 600)}");
                    }
                }
            }
        }

        return [.. leaks.Distinct(StringComparer.Ordinal)];
    }

    private static string Shorten(string text, int length = 40) => text.Length <= length ? text : text[..length] + "…";
}
