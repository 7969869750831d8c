namespace Inbox.WebhookIngest;

/// <summary>
/// Admission control for the database: at most Ingest:MaxConcurrency webhooks (16) in their transaction at once —
/// the connection pool is sized to match — and a webhook that cannot get a turn within Ingest:QueueTimeout (2 s)
/// is answered 503 at once, so Meta retries it later. Under overload the edge answers fast instead of piling up
/// requests until they time out, and it never takes more of PostgreSQL's connections (shared by every service)
/// than its share.
/// </summary>
public sealed class IngestGate(int maxConcurrency, TimeSpan queueTimeout)
{
    private readonly SemaphoreSlim _turns = new(maxConcurrency, maxConcurrency);

    public int MaxConcurrency { get; } = maxConcurrency;

    /// <summary>A turn to hold while the webhook is stored, or null when none came within the queue timeout.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken) =>
        await _turns.WaitAsync(queueTimeout, cancellationToken) ? new Turn(_turns) : null;

    /// <summary>The pool the gate's transactions need, plus the relay, the health check and the unreadable-body path.</summary>
    public static int PoolSizeFor(int maxConcurrency) => maxConcurrency + 4;

    public static IngestGate From(IConfiguration configuration) => new(
        configuration.GetValue<int?>("Ingest:MaxConcurrency") ?? 16,
        configuration.GetValue<TimeSpan?>("Ingest:QueueTimeout") ?? TimeSpan.FromSeconds(2));

    private sealed class Turn(SemaphoreSlim turns) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) turns.Release();
        }
    }
}
