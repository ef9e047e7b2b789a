using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// Which set-up a process runs (configuration section <c>Orleans</c>). One code path serves
/// both profiles; only the providers below it change.
/// </summary>
public sealed class DeploymentOptions : IValidatableObject
{
    public const string SectionName = "Orleans";

    /// <summary>Binds Orleans' messaging options (silos and the gateways' cluster clients), e.g. <c>ResponseTimeout</c>.</summary>
    public const string MessagingSection = SectionName + ":Messaging";

    /// <summary>
    /// <see cref="DeploymentProfile.Embedded"/>: one process, localhost clustering, SQLite under
    /// the data folder. <see cref="DeploymentProfile.Production"/>: Redis clustering, PostgreSQL
    /// for the message log and grain state, several silos and gateways.
    /// </summary>
    public DeploymentProfile Profile { get; set; } = DeploymentProfile.Embedded;

    public string ClusterId { get; set; } = "embedded";

    public string ServiceId { get; set; } = "chatorleans";

    /// <summary>Silo-to-silo port; every silo on one machine needs its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port cluster clients (gateways in production) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at (production).</summary>
    public string AdvertisedIp { get; set; } = "127.0.0.1";

    /// <summary>StackExchange.Redis configuration string of the membership store (production).</summary>
    public string? Redis { get; set; }

    /// <summary>
    /// Npgsql connection string of the message log and grain state. Required in production; in
    /// the embedded profile it is optional and, when set, replaces SQLite (one process on
    /// PostgreSQL, e.g. to measure the store alone).
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>
    /// The backend silo runs in a Kubernetes pod with Microsoft.Orleans.Hosting.Kubernetes
    /// (production only; <c>deploy/k8s</c> sets it). The silo then advertises <c>POD_IP</c>,
    /// listens on every address, names itself after <c>POD_NAME</c>, takes its ids from
    /// <c>ORLEANS_SERVICE_ID</c>/<c>ORLEANS_CLUSTER_ID</c> when set, and ignores
    /// <see cref="AdvertisedIp"/>. Off by default: nothing changes outside Kubernetes.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>
    /// The checked options of this configuration. Read eagerly, not through <c>ValidateOnStart</c>:
    /// the profile decides how the host is built (silo or cluster client, which stores), so it is
    /// needed before there is a host; the generated validator runs here instead, and a bad
    /// setting stops the build with the same message.
    /// </summary>
    public static DeploymentOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        ValidatedOptions.Read<DeploymentOptions, DeploymentOptionsValidator>(configuration, SectionName);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (Profile == DeploymentProfile.Production && (string.IsNullOrWhiteSpace(Redis) || string.IsNullOrWhiteSpace(Postgres)))
        {
            yield return new ValidationResult("The production profile needs Orleans:Redis and Orleans:Postgres.", [nameof(Redis), nameof(Postgres)]);
        }

        if (Kubernetes && Profile != DeploymentProfile.Production)
        {
            yield return new ValidationResult("Orleans:Kubernetes needs the production profile (Orleans:Profile=Production).", [nameof(Kubernetes)]);
        }
    }
}

/// <summary>Checks <see cref="DeploymentOptions"/> as they are read (see <see cref="DeploymentOptions.From"/>).</summary>
[OptionsValidator]
public sealed partial class DeploymentOptionsValidator : IValidateOptions<DeploymentOptions>;

public enum DeploymentProfile
{
    Embedded = 0,
    Production = 1,
}
