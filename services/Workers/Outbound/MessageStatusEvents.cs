using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Workers.Outbound;

public static class MessageStatusEvents
{
    /// <summary>Adds message:status for an outbound message as it now stands (inside the transaction that changed it).</summary>
    public static async Task AddMessageStatusEventAsync(this InboxDbContext db, Guid messageId, CancellationToken cancellationToken)
    {
        var m = await db.Messages.AsNoTracking().SingleAsync(x => x.Id == messageId, cancellationToken);
        db.Outbox.Add(OutboxEvents.Create(m.TenantId, new MessageStatusChanged(m.TenantId, m.ConversationId, m.Id, m.Wamid,
            m.Status ?? "queued", m.StatusAt ?? DateTimeOffset.UtcNow, m.ErrorCode, m.ErrorTitle, m.ErrorDetails)));
    }
}
