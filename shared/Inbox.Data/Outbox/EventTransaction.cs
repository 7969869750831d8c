namespace Inbox.Data.Outbox;

/// <summary>
/// The one way the Api and Workers write stream events: a transaction that locks the conversations the events are
/// about first (<see cref="ConversationLock"/>), runs the change (which adds its outbox rows), saves, commits, and
/// then wakes this process's relay. No call site can forget the lock order, the save or the wake-up.
/// (WebhookIngest, on raw batches, keeps the same order item by item: see its ChangeIngestion.)
/// </summary>
public static class EventTransaction
{
    public static async Task<T> WriteEventsAsync<T>(
        this InboxDbContext db, OutboxSignal relay, IReadOnlyCollection<Guid> conversationIds,
        Func<CancellationToken, Task<T>> change, CancellationToken cancellationToken)
    {
        T result;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.LockConversationsAsync(conversationIds, cancellationToken);
            result = await change(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        relay.Notify();
        return result;
    }

    public static Task WriteEventsAsync(
        this InboxDbContext db, OutboxSignal relay, IReadOnlyCollection<Guid> conversationIds,
        Func<CancellationToken, Task> change, CancellationToken cancellationToken) =>
        db.WriteEventsAsync(relay, conversationIds, async token =>
        {
            await change(token);
            return true;
        }, cancellationToken);
}
