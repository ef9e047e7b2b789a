using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// The operator's credential for <c>/metrics</c> and the Orleans Dashboard (configuration section
/// <c>Operator</c>): HTTP Basic, which Prometheus (<c>basic_auth</c>) and browsers both speak.
/// </summary>
public sealed class OperatorAccessOptions : IValidatableObject
{
    public const string SectionName = "Operator";

    public string? Username { get; set; }

    /// <summary>A secret: from the environment (<c>Operator__Password</c>) or a Kubernetes Secret, never a command line.</summary>
    public string? Password { get; set; }

    /// <summary>The paths the credential guards (prefixes).</summary>
    public IList<string> Paths { get; set; } = [ObservabilityExtensions.MetricsPath, "/dashboard"];

    internal bool HasCredential => !string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Operator:Username and Operator:Password are set together or not at all.", [nameof(Username), nameof(Password)]);
        }
    }
}

/// <summary>Checks <see cref="OperatorAccessOptions"/> when the host starts.</summary>
[OptionsValidator]
public sealed partial class OperatorAccessOptionsValidator : IValidateOptions<OperatorAccessOptions>;

/// <summary>
/// Guards the operator endpoints. With a credential configured every request to them must carry
/// it (401 with a Basic challenge otherwise). Without one they answer only requests from this
/// machine (loopback), so the embedded default on 127.0.0.1 needs nothing, and a process that
/// listens beyond loopback shows nothing to the network until an operator sets a credential.
/// </summary>
public sealed class OperatorAccessMiddleware(RequestDelegate next, IOptions<OperatorAccessOptions> options)
{
    private readonly OperatorAccessOptions _options = options.Value;
    private readonly byte[]? _expected = options.Value.HasCredential
        ? SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Value.Username}:{options.Value.Password}"))
        : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (!Guards(context.Request.Path))
        {
            return next(context);
        }

        return Decide(context) switch
        {
            Access.Allowed => next(context),
            Access.NeedsCredential => Refuse(context, StatusCodes.Status401Unauthorized, "This endpoint needs the operator credential (Operator:Username and Operator:Password)."),
            _ => Refuse(context, StatusCodes.Status403Forbidden, "Operator endpoints answer only this machine until Operator:Username and Operator:Password are set."),
        };
    }

    internal enum Access
    {
        Allowed,
        NeedsCredential,
        LoopbackOnly,
    }

    internal Access Decide(HttpContext context)
    {
        if (_expected is null)
        {
            return context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote) ? Access.Allowed : Access.LoopbackOnly;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return Access.NeedsCredential;
        }

        byte[] given;
        try
        {
            given = SHA256.HashData(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return Access.NeedsCredential;
        }

        // Both sides hashed first: the comparison takes the same time whatever was sent.
        return CryptographicOperations.FixedTimeEquals(given, _expected) ? Access.Allowed : Access.NeedsCredential;
    }

    private bool Guards(PathString path) =>
        _options.Paths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"chatorleans-operator\", charset=\"UTF-8\"";
        }

        return context.Response.WriteAsJsonAsync(new { error = new { code = status == 401 ? "unauthorized" : "forbidden", message } });
    }
}

/// <summary>Registers and applies <see cref="OperatorAccessMiddleware"/>.</summary>
public static class OperatorAccessExtensions
{
    public static IServiceCollection AddOperatorAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OperatorAccessOptions, OperatorAccessOptionsValidator>(configuration, OperatorAccessOptions.SectionName);
        return services;
    }

    /// <summary>Before the operator endpoints are mapped (and before the dashboard's own middleware).</summary>
    public static IApplicationBuilder UseOperatorAccess(this IApplicationBuilder app) => app.UseMiddleware<OperatorAccessMiddleware>();
}
