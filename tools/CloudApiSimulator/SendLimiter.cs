using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Meta's two send limits as token buckets: messages per second per business number (130429) and the
/// business–customer pair limit, a burst that refills one message per interval (131056).
/// </summary>
public sealed class SendLimiter(IOptions<SimulatorOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Bucket> _numbers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), Bucket> _pairs = new();

    public GraphError? TryAcquire(string phoneNumberId, string customer)
    {
        var limits = options.Value.Limits;
        if (limits.MessagesPerSecond > 0)
        {
            var bucket = _numbers.GetOrAdd(phoneNumberId, _ => new Bucket(Math.Max(1, limits.MessagesPerSecond), clock.GetTimestamp()));
            if (!bucket.TryTake(limits.MessagesPerSecond, clock)) return GraphError.Throughput();
        }
        if (limits.PairBurst > 0 && limits.PairInterval > TimeSpan.Zero)
        {
            var bucket = _pairs.GetOrAdd((phoneNumberId, customer), _ => new Bucket(limits.PairBurst, clock.GetTimestamp()));
            if (!bucket.TryTake(1 / limits.PairInterval.TotalSeconds, clock)) return GraphError.PairRateLimit();
        }
        return null;
    }

    private sealed class Bucket(double capacity, long stamp)
    {
        private readonly Lock _lock = new();
        private readonly double _capacity = capacity;
        private double _tokens = capacity;
        private long _stamp = stamp;

        public bool TryTake(double refillPerSecond, TimeProvider clock)
        {
            lock (_lock)
            {
                var now = clock.GetTimestamp();
                _tokens = Math.Min(_capacity, _tokens + clock.GetElapsedTime(_stamp, now).TotalSeconds * refillPerSecond);
                _stamp = now;
                if (_tokens < 1) return false;
                _tokens--;
                return true;
            }
        }
    }
}
