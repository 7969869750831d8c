using System.Threading.Channels;

namespace Inbox.WebhookIngest;

/// <summary>
/// Admission control and group commit for webhooks. At most Ingest:MaxConcurrency transactions run at once (the
/// connection pool is sized to match); each stores every webhook waiting when it starts, up to Ingest:MaxGroup,
/// in one transaction — one commit (one WAL flush) and one ledger and outbox write for all of them, each still
/// answered only after that commit, each item still under its own savepoint. A quiet ingest stores each webhook
/// alone at once; a busy one stores them together instead of queueing commits. A webhook that gets no turn within
/// Ingest:QueueTimeout is answered 503 at once (Meta retries), so an overload sheds load fast instead of piling
/// up requests. If a group's transaction fails, its webhooks are stored again one by one: one envelope never fails
/// the others.
/// </summary>
public sealed class IngestQueue(IngestSettings settings, IServiceScopeFactory scopes, ILogger<IngestQueue> logger)
    : BackgroundService
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>();

    /// <summary>
    /// Stores the envelope with whatever else is waiting; null when no turn came within the queue timeout (nothing
    /// stored). A database failure comes back as its exception.
    /// </summary>
    public async Task<IngestReport?> StoreAsync(WebhookIngestor.Envelope envelope, CancellationToken cancellationToken)
    {
        var pending = new Pending(envelope);
        if (!_pending.Writer.TryWrite(pending)) throw new InvalidOperationException("WebhookIngest is stopping.");
        await Task.WhenAny(pending.Taken.Task, Task.Delay(settings.QueueTimeout, cancellationToken));
        if (pending.TryAbandon()) return null;
        return await pending.Done.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.MaxConcurrency).Select(_ => CommitLoopAsync(stoppingToken)));

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _pending.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private async Task CommitLoopAsync(CancellationToken stoppingToken)
    {
        var reader = _pending.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var group = new List<Pending>();
                while (group.Count < settings.MaxGroup && reader.TryRead(out var pending))
                    if (pending.TryTake()) group.Add(pending);
                if (group.Count > 0) await StoreGroupAsync(group);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The group in one transaction; if that fails, each alone, so only a failing one fails.</summary>
    private async Task StoreGroupAsync(List<Pending> group)
    {
        try
        {
            await StoreAsync(group);
            return;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            logger.LogWarning(ex, "A group of {Count} webhooks could not be stored together; storing each alone", group.Count);
        }
        catch (Exception ex)
        {
            group[0].Done.TrySetException(ex);
            return;
        }
        foreach (var pending in group)
        {
            try { await StoreAsync([pending]); }
            catch (Exception ex) { pending.Done.TrySetException(ex); }
        }
    }

    /// <summary>Runs to the end even if the requests went away: what Meta sent is stored once it was taken.</summary>
    private async Task StoreAsync(List<Pending> group)
    {
        using var span = IngestTelemetry.StartCommit(group.Select(p => p.Envelope)); // the webhooks' trace, where traced
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WebhookIngestor>()
            .StoreAsync(group.Select(p => p.Envelope).ToList(), CancellationToken.None);
        foreach (var pending in group) pending.Done.TrySetResult(pending.Envelope.Report);
    }

    private sealed class Pending(WebhookIngestor.Envelope envelope)
    {
        private const int Waiting = 0, InGroup = 1, Abandoned = 2;
        private int _state = Waiting;

        public WebhookIngestor.Envelope Envelope { get; } = envelope;
        public TaskCompletionSource Taken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<IngestReport> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A commit loop takes it — unless its request already gave up waiting.</summary>
        public bool TryTake()
        {
            if (Interlocked.CompareExchange(ref _state, InGroup, Waiting) != Waiting) return false;
            Taken.TrySetResult();
            return true;
        }

        /// <summary>Its request gives up — unless a commit loop already took it.</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Waiting) == Waiting;
    }
}

/// <summary>Ingest:MaxConcurrency (16), Ingest:MaxGroup (32 webhooks per transaction), Ingest:QueueTimeout (2 s).</summary>
public sealed record IngestSettings(int MaxConcurrency, int MaxGroup, TimeSpan QueueTimeout)
{
    /// <summary>The pool the transactions need, plus the relay, the health check and the unreadable-body path.</summary>
    public int PoolSize => MaxConcurrency + 4;

    public static IngestSettings From(IConfiguration configuration) => new(
        configuration.GetValue<int?>("Ingest:MaxConcurrency") ?? 16,
        configuration.GetValue<int?>("Ingest:MaxGroup") ?? 32,
        configuration.GetValue<TimeSpan?>("Ingest:QueueTimeout") ?? TimeSpan.FromSeconds(2));
}
