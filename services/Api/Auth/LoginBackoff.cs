using System.Collections.Concurrent;
using Inbox.Api.RateLimits;

namespace Inbox.Api.Auth;

/// <summary>
/// Back-off per e-mail address after failed password checks (login, and accepting an invite with an existing
/// account's password): see <see cref="LoginFailureSettings"/>. Each attempt counts as a failure before the password
/// is hashed, and is forgiven when it checks out (a success forgets them all), so parallel guesses cannot slip past
/// the count, and a locked address is refused before any hashing. Unknown addresses are counted alike: the answers
/// do not tell whether an account exists. The built-in limiters count requests; only the handler knows a failure,
/// hence this small table. Per Api instance.
/// </summary>
public sealed class LoginBackoff(LoginFailureSettings settings, TimeProvider time)
{
    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset Last;
        public DateTimeOffset LockedUntil;
    }

    private readonly ConcurrentDictionary<string, Failures> _byAddress = new(StringComparer.OrdinalIgnoreCase);
    private int _attemptsSincePrune;
    private volatile bool _full;

    /// <summary>Null when the address may try now (the attempt counts as failed until <see cref="Succeeded"/>); else how long to wait.</summary>
    public TimeSpan? TryBegin(string email)
    {
        var now = time.GetUtcNow();
        var key = email.Trim();
        if (Interlocked.Increment(ref _attemptsSincePrune) % 1024 == 0) Prune(now);
        if (!_byAddress.TryGetValue(key, out var failures))
        {
            if (_full) return null;
            failures = _byAddress.GetOrAdd(key, _ => new Failures());
        }
        lock (failures)
        {
            if (failures.LockedUntil > now) return failures.LockedUntil - now;
            if (IsForgotten(failures, now)) failures.Count = 0;
            failures.Count++;
            failures.Last = now;
            if (failures.Count >= settings.Allowed) failures.LockedUntil = now + Backoff(failures.Count - settings.Allowed);
        }
        return null;
    }

    /// <summary>
    /// The password did not check out: a lock this attempt set runs from now, not from before the hashing (which
    /// can take a while on a busy server).
    /// </summary>
    public void Failed(string email)
    {
        if (!_byAddress.TryGetValue(email.Trim(), out var failures)) return;
        lock (failures)
            if (failures.Count >= settings.Allowed)
                failures.LockedUntil = time.GetUtcNow() + Backoff(failures.Count - settings.Allowed);
    }

    /// <summary>The password checked out: the address starts afresh.</summary>
    public void Succeeded(string email) => _byAddress.TryRemove(email.Trim(), out _);

    /// <summary>FirstBackoff for the first lock, doubled for each failure after it, up to MaxBackoff.</summary>
    private TimeSpan Backoff(int further)
    {
        var backoff = settings.FirstBackoff * Math.Pow(2, Math.Min(further, 30));
        return backoff < settings.MaxBackoff ? backoff : settings.MaxBackoff;
    }

    /// <summary>Failures are forgotten a Window after the last one, or after the lock it led to.</summary>
    private bool IsForgotten(Failures failures, DateTimeOffset now) =>
        now - (failures.LockedUntil > failures.Last ? failures.LockedUntil : failures.Last) > settings.Window;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, failures) in _byAddress)
        {
            lock (failures)
                if (IsForgotten(failures, now)) _byAddress.TryRemove(key, out _);
        }
        _full = _byAddress.Count >= settings.MaxTracked;
    }
}
