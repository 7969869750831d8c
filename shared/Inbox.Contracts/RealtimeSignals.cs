namespace Inbox.Contracts;

// Signals between Realtime instances: short-lived, published straight to the bus (never through the outbox),
// so that every instance can tell its own connections. Losing one during a broker outage loses only a moment of
// "typing…"; the next heartbeat restores presence and viewers. MemberDeactivated and SessionEnded come from the Api
// through the outbox instead, in the transaction that ends the access: they must not be lost.

/// <summary>An agent started or stopped typing in a conversation (isPrivate: a note, not a reply).</summary>
public sealed record AgentTyping(
    Guid TenantId, Guid ConversationId, Guid UserId, string UserName, bool IsPrivate, bool Typing, string ConnectionId);

/// <summary>Everything one Realtime instance knows locally: who is connected (and how) and who views what.
/// Sent on every change and as a heartbeat; an instance silent for too long is forgotten.</summary>
public sealed record InstanceState(
    string InstanceId, DateTimeOffset At, IReadOnlyList<ConnectedAgent> Agents, IReadOnlyList<ConversationViewer> Viewers);

public sealed record ConnectedAgent(Guid TenantId, Guid UserId, string UserName, string State);

public sealed record ConversationViewer(Guid TenantId, Guid ConversationId, Guid UserId, string UserName);

/// <summary>A member lost access to a tenant: their API calls and live connections end at once.</summary>
public sealed record MemberDeactivated(Guid TenantId, Guid UserId);

/// <summary>A session ended (logout, or its refresh token was reused): its live connections end at once.</summary>
public sealed record SessionEnded(Guid TenantId, Guid SessionId);
