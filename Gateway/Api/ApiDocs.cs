using Microsoft.OpenApi;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// What the OpenAPI document says of one endpoint: its body, its answer, and the error statuses
/// it can answer (docs/protocol.md), all with the protocol's error body.
/// </summary>
internal static class ApiDocs
{
    private const string Json = "application/json";

    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string tag, string name, string summary) =>
        builder.WithTags(tag).WithName(name).WithSummary(summary);

    /// <summary>
    /// The JSON body the handler reads itself (<see cref="RequestBody"/>). Only the document is
    /// told: <c>Accepts</c> metadata would also make routing refuse a request without
    /// <c>Content-Type: application/json</c>, which the API has always read.
    /// </summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder) where T : notnull =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var document = context.Document!;
            var id = typeof(T).Name;
            if (document.Components?.Schemas?.ContainsKey(id) != true)
            {
                document.AddComponent<IOpenApiSchema>(id, await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken));
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = new OpenApiSchemaReference(id, document) } },
            };
        });

    public static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK) =>
        builder.Produces<T>(status, Json);

    /// <summary>The given error statuses, and 500 <c>internal</c>, which any call can answer.</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses.Append(StatusCodes.Status500InternalServerError))
        {
            builder.Produces<ErrorResponse>(status, Json);
        }

        return builder;
    }

    /// <summary>A query parameter the handler reads itself (so the generator cannot see it).</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, string name, JsonSchemaType type, string description, bool required = false) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Query,
                Required = required,
                Description = description,
                Schema = new OpenApiSchema { Type = type },
            });
            return Task.CompletedTask;
        });
}
