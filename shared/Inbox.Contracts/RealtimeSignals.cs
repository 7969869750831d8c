namespace Inbox.Contracts;

// Signals every Realtime instance must see, each closing its own sockets. They come from the Api through the outbox,
// in the transaction that ends the access: they must not be lost.

/// <summary>A member lost access to a tenant: their API calls and live connections end at once.</summary>
public sealed record MemberDeactivated(Guid TenantId, Guid UserId);

/// <summary>A session ended (logout, or its refresh token was reused): its live connections end at once.</summary>
public sealed record SessionEnded(Guid TenantId, Guid SessionId);
