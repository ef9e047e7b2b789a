using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// <c>GET /openapi/v1.json</c>: generated from the endpoints, so it must list exactly the
/// <c>/api/v1</c> routes the app maps, parse as OpenAPI, and show the protocol's shapes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OpenApiTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private const string DocumentPath = "openapi/v1.json";

    [Fact]
    public async Task DocumentListsEveryApiRouteTheAppMapsAndNoOther()
    {
        var mapped = fixture.Gateway.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(endpoint => ("/" + endpoint.RoutePattern.RawText!.TrimStart('/')).StartsWith("/api/v1/", StringComparison.Ordinal))
            .Where(endpoint => !endpoint.RoutePattern.RawText!.EndsWith("{*path}", StringComparison.Ordinal))
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(method => $"{method} /{endpoint.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet();

        var document = await LoadAsync();
        var documented = document.Paths
            .SelectMany(path => path.Value.Operations!.Keys.Select(method => $"{method.Method.ToUpperInvariant()} {path.Key}"))
            .ToHashSet();

        // The app maps many routes; an empty set on either side would make the comparison vacuous.
        Assert.True(mapped.Count >= 20, $"only {mapped.Count} /api/v1 routes found: {string.Join(", ", mapped)}");
        Assert.Empty(mapped.Except(documented));
        Assert.Empty(documented.Except(mapped));
    }

    [Fact]
    public async Task DocumentIsValidOpenApi()
    {
        var json = await GetDocumentAsync();
        using var stream = new MemoryStream(json);
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(stream, OpenApiConstants.Json, new OpenApiReaderSettings());

        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        Assert.Empty(diagnostic.Errors);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.StartsWith("3.", diagnostic.SpecificationVersion.ToString().Replace("OpenApi", "", StringComparison.Ordinal).Replace('_', '.'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginDocumentsItsAnswerAndRefusalsWithTheErrorBody()
    {
        using var json = JsonDocument.Parse(await GetDocumentAsync());
        var root = json.RootElement;
        var login = root.GetProperty("paths").GetProperty("/api/v1/auth/login").GetProperty("post");
        var responses = login.GetProperty("responses");

        Assert.Equal("#/components/schemas/AuthResponse", SchemaRef(responses, "200"));
        Assert.Equal("#/components/schemas/ErrorResponse", SchemaRef(responses, "401"));
        Assert.Equal("#/components/schemas/ErrorResponse", SchemaRef(responses, "429"));
        // Login needs no token.
        Assert.False(login.TryGetProperty("security", out _));

        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.Equal("#/components/schemas/ErrorBody", schemas.GetProperty("ErrorResponse").GetProperty("properties").GetProperty("error").GetProperty("$ref").GetString());
        var errorBody = schemas.GetProperty("ErrorBody").GetProperty("properties");
        Assert.True(errorBody.TryGetProperty("code", out _));
        Assert.True(errorBody.TryGetProperty("message", out _));
        Assert.True(errorBody.TryGetProperty("retry_after_ms", out _));
        var auth = schemas.GetProperty("AuthResponse").GetProperty("properties");
        Assert.True(auth.TryGetProperty("access_token", out _));
        Assert.True(auth.TryGetProperty("expires_at", out _));
    }

    [Fact]
    public async Task ChatListRequiresTheBearerScheme()
    {
        using var json = JsonDocument.Parse(await GetDocumentAsync());
        var root = json.RootElement;
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());

        var chats = root.GetProperty("paths").GetProperty("/api/v1/chats").GetProperty("get");
        var requirement = Assert.Single(chats.GetProperty("security").EnumerateArray());
        Assert.True(requirement.TryGetProperty("bearer", out _));
        Assert.Equal("#/components/schemas/ErrorResponse", SchemaRef(chats.GetProperty("responses"), "401"));
    }

    [Fact]
    public async Task RequestBodiesUseTheProtocolsSnakeCaseNames()
    {
        using var json = JsonDocument.Parse(await GetDocumentAsync());
        var root = json.RootElement;
        var body = root.GetProperty("paths").GetProperty("/api/v1/chats").GetProperty("post").GetProperty("requestBody");
        var reference = body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        var schema = root.GetProperty("components").GetProperty("schemas").GetProperty(reference["#/components/schemas/".Length..]);
        var names = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("member_ids", names);
        Assert.DoesNotContain("memberIds", names);
        Assert.DoesNotContain("MemberIds", names);
    }

    [Fact]
    public async Task DocumentingABodyDoesNotChangeWhichRequestsTheRouteTakes()
    {
        // The body is read without a Content-Type, as before it was documented: the account is
        // created (routing would otherwise hand the request to the fallback, which answers 401).
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        var username = Proto.UniqueName();
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($"{{\"username\":\"{username}\",\"password\":\"password1\"}}"));
        Assert.Null(content.Headers.ContentType);
        using var answer = await http.PostAsync("api/v1/auth/register", content);

        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.StartsWith("u_", body.RootElement.GetProperty("user_id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentIsAnonymousAndKeepsTheSecurityHeaders()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        using var answer = await http.GetAsync(DocumentPath);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", answer.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task ReadablePageIsOnlyServedInDevelopment()
    {
        // The test process runs in Production, as a deployment does.
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        using var answer = await http.GetAsync("scalar/v1");

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    private static string? SchemaRef(JsonElement responses, string status) =>
        responses.GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();

    private async Task<byte[]> GetDocumentAsync()
    {
        // No Authorization header: the document is public.
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        using var answer = await http.GetAsync(DocumentPath);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsByteArrayAsync();
    }

    private async Task<OpenApiDocument> LoadAsync()
    {
        using var stream = new MemoryStream(await GetDocumentAsync());
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(stream, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.Empty(diagnostic!.Errors);
        return document!;
    }
}
