using System.Net;
using System.Threading.RateLimiting;

namespace Inbox.WebhookIngest;

/// <summary>
/// Client addresses that keep sending webhooks which fail the signature check. Only failures count, on a fixed
/// window per address (RateLimits:WebhookFailuresPerIp, PermitLimit/Window of the built-in limiter: 30 a minute), so
/// Meta's valid traffic — a thousand a second from a few addresses — never spends anything. An address past its
/// failures is blocked until the window ends: its webhooks are then checked against the deployment's app secret
/// only, so the deployment app's webhooks from a Meta address keep flowing; anything else (a tenant's own-app
/// webhook too, which Meta retries) is 429 before the body is parsed, a number's secret looked up or a health row
/// written, and one without a well-formed signature header before its body is read.
/// </summary>
public sealed class SourceFailures : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _failures;

    public SourceFailures(IConfiguration configuration)
    {
        var options = new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };
        configuration.GetSection("RateLimits:WebhookFailuresPerIp").Bind(options);
        new FixedWindowRateLimiter(options).Dispose(); // invalid options fail at startup, not on a request
        _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(
            address => RateLimitPartition.GetFixedWindowLimiter(address, _ => options));
    }

    /// <summary>Null while the address may still fail; else how long until its window ends.</summary>
    public TimeSpan? Blocked(IPAddress source)
    {
        using var lease = _failures.AttemptAcquire(source, 0); // 0 permits: only asks whether any are left
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <summary>One more webhook from the address failed its signature check.</summary>
    public void Failed(IPAddress source) => _failures.AttemptAcquire(source).Dispose();

    public void Dispose() => _failures.Dispose();
}
