using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

/// <summary>
/// A per-connection token bucket on hub calls (Realtime:HubCallsPerSecond, bursts of twice that): a client
/// that floods the hub gets an error per extra call instead of the server's time.
/// </summary>
public sealed class HubCallLimiter(RealtimeSettings settings) : IHubFilter
{
    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset Refilled = DateTimeOffset.UtcNow;
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var items = invocationContext.Context.Items;
        var capacity = settings.HubCallsPerSecond * 2;
        if (items["rate"] is not Bucket bucket) items["rate"] = bucket = new Bucket { Tokens = capacity };
        lock (bucket)
        {
            var now = DateTimeOffset.UtcNow;
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + (now - bucket.Refilled).TotalSeconds * settings.HubCallsPerSecond);
            bucket.Refilled = now;
            if (bucket.Tokens < 1) throw new HubException("Too many calls; slow down.");
            bucket.Tokens--;
        }
        return next(invocationContext);
    }
}
