namespace Inbox.Realtime;

/// <summary>SignalR group names. Always built on the server from verified ids; clients never name a group.</summary>
public static class RealtimeGroups
{
    public static string Tenant(Guid tenantId) => $"tenant:{tenantId}";
    public static string User(Guid userId) => $"user:{userId}";
    public static string Conversation(Guid conversationId) => $"conversation:{conversationId}";
}
