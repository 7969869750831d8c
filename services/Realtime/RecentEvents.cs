namespace Inbox.Realtime;

/// <summary>
/// The bus delivers at least once (the outbox may re-publish after a crash). Remembers the last few thousand
/// events (tenant and stream position) so a re-delivered event is not pushed to browsers twice.
/// </summary>
public sealed class RecentEvents
{
    private const int Capacity = 10_000;
    private readonly HashSet<(Guid, long)> _seen = [];
    private readonly Queue<(Guid, long)> _order = new();
    private readonly Lock _lock = new();

    public bool FirstTime(Guid tenantId, long position)
    {
        var id = (tenantId, position);
        lock (_lock)
        {
            if (!_seen.Add(id)) return false;
            _order.Enqueue(id);
            if (_order.Count > Capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }
}
