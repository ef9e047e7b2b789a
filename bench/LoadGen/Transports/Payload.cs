using System.Globalization;

namespace ChatOrleans.LoadGen.Transports;

/// <summary>
/// The text every generated message carries, the same on every transport: <c>lg|step|index|sendTicks|senderDevice</c>.
/// The receiver takes the send time from it and compares it with its own <see cref="Infrastructure.BenchClock"/>.
/// </summary>
public readonly record struct Payload(int Step, long Index, long SendTicks, int SenderDevice)
{
    private const string Prefix = "lg|";

    public string Format() => string.Create(
        CultureInfo.InvariantCulture, $"{Prefix}{Step}|{Index}|{SendTicks}|{SenderDevice}");

    public static bool TryParse(string? text, out Payload payload)
    {
        payload = default;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = text.AsSpan(Prefix.Length);
        Span<Range> parts = stackalloc Range[5];
        if (rest.Split(parts, '|') != 4)
        {
            return false;
        }

        if (int.TryParse(rest[parts[0]], NumberStyles.Integer, CultureInfo.InvariantCulture, out int step)
            && long.TryParse(rest[parts[1]], NumberStyles.Integer, CultureInfo.InvariantCulture, out long index)
            && long.TryParse(rest[parts[2]], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ticks)
            && int.TryParse(rest[parts[3]], NumberStyles.Integer, CultureInfo.InvariantCulture, out int sender))
        {
            payload = new Payload(step, index, ticks, sender);
            return true;
        }

        return false;
    }
}
