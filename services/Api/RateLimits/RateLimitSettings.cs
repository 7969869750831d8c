using System.Threading.RateLimiting;

namespace Inbox.Api.RateLimits;

/// <summary>
/// The Api's limits, each a section under RateLimits bound onto the built-in limiter options (PermitLimit/Window,
/// TokenLimit/TokensPerPeriod/ReplenishmentPeriod), so any of their fields can be set:
/// LoginPerIp and InvitesPerIp (fixed windows per client address), ApiPerUser and ApiPerTenant (token buckets over
/// every authenticated request), LoginFailures (the per-address back-off, <see cref="LoginFailureSettings"/>).
/// The defaults suit production; a test stack whose every client is 127.0.0.1 raises the per-IP ones.
/// </summary>
public sealed class RateLimitSettings
{
    public required FixedWindowRateLimiterOptions LoginPerIp { get; init; }
    public required FixedWindowRateLimiterOptions InvitesPerIp { get; init; }
    public required TokenBucketRateLimiterOptions ApiPerUser { get; init; }
    public required TokenBucketRateLimiterOptions ApiPerTenant { get; init; }
    public required LoginFailureSettings LoginFailures { get; init; }

    public static RateLimitSettings From(IConfiguration configuration)
    {
        T Bind<T>(string key, T defaults)
        {
            configuration.GetSection($"RateLimits:{key}").Bind(defaults);
            return defaults;
        }
        var settings = new RateLimitSettings
        {
            LoginPerIp = Bind("LoginPerIp", new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) }),
            InvitesPerIp = Bind("InvitesPerIp", new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) }),
            ApiPerUser = Bind("ApiPerUser", new TokenBucketRateLimiterOptions
            {
                TokenLimit = 100, TokensPerPeriod = 10, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            }),
            ApiPerTenant = Bind("ApiPerTenant", new TokenBucketRateLimiterOptions
            {
                TokenLimit = 1000, TokensPerPeriod = 100, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            }),
            LoginFailures = Bind("LoginFailures", new LoginFailureSettings()),
        };
        // The limiters check their options only when first used: fail at startup instead of on a request.
        new FixedWindowRateLimiter(settings.LoginPerIp).Dispose();
        new FixedWindowRateLimiter(settings.InvitesPerIp).Dispose();
        new TokenBucketRateLimiter(settings.ApiPerUser).Dispose();
        new TokenBucketRateLimiter(settings.ApiPerTenant).Dispose();
        settings.LoginFailures.Validate();
        return settings;
    }
}

/// <summary>
/// RateLimits:LoginFailures: after Allowed failed logins for one e-mail address (none further apart than Window),
/// it is refused for FirstBackoff, doubled with each further failure up to MaxBackoff.
/// </summary>
public sealed class LoginFailureSettings
{
    public int Allowed { get; set; } = 5;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Addresses tracked at once; beyond it new ones go untracked (the per-IP limit still holds).</summary>
    public int MaxTracked { get; set; } = 100_000;

    public void Validate()
    {
        if (Allowed < 1 || Window <= TimeSpan.Zero || FirstBackoff <= TimeSpan.Zero || MaxBackoff < FirstBackoff || MaxTracked < 1)
            throw new InvalidOperationException(
                "RateLimits:LoginFailures needs Allowed ≥ 1, positive Window and FirstBackoff, MaxBackoff ≥ FirstBackoff, MaxTracked ≥ 1.");
    }
}
