using System.ComponentModel.DataAnnotations;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// <see cref="RangeAttribute"/> whose <see cref="ValidationAttribute.ErrorMessage"/> is kept. The
/// options validator generator swaps <c>[Range]</c> itself for a copy that drops the message
/// (dotnet/runtime#123137), and a failure must name the setting as it is configured
/// (<c>Auth:PasswordHashIterations</c>), not as a property; the generator uses a subclass as it is.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    /// <summary>The largest <see cref="TimeSpan"/>, the upper bound of "positive" and "not negative".</summary>
    public const string MaxTimeSpan = "10675199.02:48:05.4775807";

    public SettingRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
    }
}
