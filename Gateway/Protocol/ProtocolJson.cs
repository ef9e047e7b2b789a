using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace ChatOrleans.Gateway.Protocol;

/// <summary>The protocol's JSON conventions: snake_case names, UTC times with <c>Z</c>, every field present.</summary>
public static class ProtocolJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // HTML-sensitive characters (< > & ' " + `) and controls are escaped as \uXXXX, so
            // a frame or body pasted into a page or a log viewer cannot become markup. Other BMP
            // characters stay UTF-8 (the default encoder would escape all non-ASCII: CJK text twice
            // its size); characters beyond the BMP (emoji) are escaped as surrogate pairs by every
            // built-in encoder. See docs/protocol.md, Conventions.
            Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        };
        options.Converters.Add(new UtcTimeConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        // Frames and the public answers come from generated metadata; request bodies and the few
        // private answer records of the endpoints fall back to reflection.
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(ProtocolJsonContext.Default, new DefaultJsonTypeInfoResolver());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The metadata of <typeparamref name="T"/> bound to <see cref="Options"/>, looked up once.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => Cache<T>.Info;

    private static class Cache<T>
    {
        public static readonly JsonTypeInfo<T> Info = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }

    /// <summary>ISO-8601 in UTC with milliseconds and <c>Z</c>, as PROTOCOL.md requires.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
