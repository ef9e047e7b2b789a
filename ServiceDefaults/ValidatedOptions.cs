using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// The one way options are checked: a source-generated <c>[OptionsValidator]</c> beside each
/// options class, run when the host starts, so a bad setting fails the start with a message
/// naming it instead of failing the first request that reads it.
/// </summary>
public static class ValidatedOptions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to its section and checks it with <typeparamref name="TValidator"/> at start. Calling it twice is harmless.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
    }

    /// <summary>
    /// Binds and checks settings that decide how the host is built (which profile, which store,
    /// how many stream queues): they are read before there is a host to start, so the same
    /// generated validator runs here, at once, and a failure stops the build.
    /// </summary>
    public static TOptions Read<TOptions, TValidator>(IConfiguration configuration, string sectionName)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = new TOptions();
        configuration.GetSection(sectionName).Bind(options);
        ThrowIfInvalid(new TValidator(), options);
        return options;
    }

    /// <summary>Throws what <c>ValidateOnStart</c> throws when <paramref name="options"/> fail <paramref name="validator"/>.</summary>
    public static void ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options)
        where TOptions : class
    {
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        }
    }
}
