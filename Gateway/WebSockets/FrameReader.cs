using System.Text.Json;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>Reads the fields of a client frame; a missing or mistyped field is a clear <c>bad_request</c>.</summary>
public readonly struct FrameReader(JsonElement root)
{
    public string RequiredString(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && Text(value, name) is { Length: > 0 } s
            ? s
            : throw ChatException.BadRequest($"{name} is required and must be a non-empty string.");

    public string? OptionalString(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? Text(value, name)
            : throw ChatException.BadRequest($"{name} must be a string.");
    }

    public IReadOnlyList<string> OptionalStringArray(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw ChatException.BadRequest($"{name} must be an array of strings.");
        }

        var items = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String && Text(item, name) is { Length: > 0 } s
                ? s
                : throw ChatException.BadRequest($"{name} must be an array of strings."));
        }

        return items;
    }

    public long RequiredSeq(string name) =>
        OptionalSeq(name) ?? throw ChatException.BadRequest($"{name} is required.");

    public long? OptionalSeq(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0
            ? n
            : throw ChatException.BadRequest($"{name} must be a non-negative integer.");
    }

    public int? OptionalInt(string name)
    {
        var n = OptionalSeq(name);
        return n is null ? null : (int)Math.Min(n.Value, int.MaxValue);
    }

    /// <summary>
    /// A string value as text. JSON lets an escape name half of a surrogate pair alone
    /// (<c>"\ud800"</c>), which is no Unicode text: <see cref="JsonElement.GetString"/> throws
    /// for it, and that is the client's mistake, not the server's.
    /// </summary>
    private static string Text(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw ChatException.BadRequest($"{name} is not valid Unicode text (a lone surrogate).");
        }
    }
}
