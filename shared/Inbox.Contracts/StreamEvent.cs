namespace Inbox.Contracts;

/// <summary>
/// An event that reaches browsers. The outbox numbers it as it is written: <see cref="Position"/> in its tenant's
/// stream (resume from it after a reconnect: GET /api/events?after=) and <see cref="Sequence"/> in its conversation,
/// gap-free, so a client can tell it missed something.
/// </summary>
public abstract record StreamEvent(Guid TenantId, Guid ConversationId)
{
    public long Position { get; init; }
    public long Sequence { get; init; }
}
