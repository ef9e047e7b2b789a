using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// The OpenAPI description of <c>/api/v1</c>, generated from the endpoints and their metadata
/// (<see cref="ApiDocs"/>): <c>GET /openapi/v1.json</c> in every environment, and a readable page
/// at <c>/scalar/v1</c> in development only.
/// </summary>
public static class OpenApiExtensions
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/scalar";
    public const string BearerScheme = "bearer";

    /// <summary>
    /// The page runs its bundled script (served from this host) and a small inline start-up
    /// script, which the JSON API's policy would block; development only. Nothing comes from
    /// another origin (the page's default web fonts are turned off).
    /// </summary>
    public const string PagePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddChatOpenApi(this IServiceCollection services)
    {
        // The document's schemas come from the host's JSON options; every API answer is written
        // with ProtocolJson.Options, so the names (and enum values) follow the same policy.
        // (ProtocolJson's time converter is left out: it would hide that times are date-time strings.)
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Numbers are numbers in the protocol (the web defaults would also document strings).
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });

        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "ChatOrleans HTTP API";
                document.Info.Description = "The JSON API under /api/v1 (docs/protocol.md). Errors: {\"error\":{\"code\",\"message\",\"retry_after_ms?\"}}.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The access_token from /api/v1/auth/register or /api/v1/auth/login, in Authorization: Bearer ….",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapChatOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(PagePath, page => page.DisableDefaultFonts())
                .AllowAnonymous()
                .Add(endpoint =>
                {
                    // A policy set here is kept by SecurityHeadersMiddleware, which adds the other headers.
                    var inner = endpoint.RequestDelegate!;
                    endpoint.RequestDelegate = context =>
                    {
                        context.Response.Headers.ContentSecurityPolicy = PagePolicy;
                        return inner(context);
                    };
                });
        }

        return app;
    }
}
