using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// Bounds request bodies under <c>/api/v1</c> by <see cref="ApiOptions.MaxBodyBytes"/> instead of
/// Kestrel's 30 MB: a JSON body is read whole into memory, so the bound is what one request may
/// make the gateway hold. Reading past it throws Kestrel's 413, which
/// <see cref="ErrorHandlingMiddleware"/> answers as <c>too_large</c>.
/// </summary>
public sealed class ApiBodyLimitMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    public const string PathPrefix = "/api";

    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(PathPrefix)
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _maxBodyBytes;
        }

        return next(context);
    }
}
