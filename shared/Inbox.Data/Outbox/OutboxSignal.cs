namespace Inbox.Data.Outbox;

/// <summary>
/// Wakes the relay in this process right after a commit that wrote outbox rows, so events leave at once
/// instead of waiting for the next sweep. Signals coalesce: many commits, one wake-up.
/// </summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); }
            catch (SemaphoreFullException) { } // another commit already woke it
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
