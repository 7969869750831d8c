using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>typing:start / typing:stop to the tenant's agents here, the typist's own connection excluded.</summary>
public sealed class AgentTypingConsumer(HubFanout fanout) : IConsumer<AgentTyping>
{
    public Task Consume(ConsumeContext<AgentTyping> context)
    {
        var m = context.Message;
        // To the whole tenant, not only the conversation's room: agents see "typing…" on the list's rows too.
        fanout.PushExcept(RealtimeGroups.Tenant(m.TenantId), m.ConnectionId, m.Typing ? HubEvents.TypingStart : HubEvents.TypingStop,
            new { m.ConversationId, m.UserId, m.UserName, m.IsPrivate });
        return Task.CompletedTask;
    }
}

/// <summary>Another instance's (or this one's) state: update the board, tell local connections what changed.</summary>
public sealed class InstanceStateConsumer(HubFanout fanout, PresenceBoard board) : IConsumer<InstanceState>
{
    public Task Consume(ConsumeContext<InstanceState> context)
    {
        PresenceBroadcast.Push(fanout, board.Apply(context.Message));
        return Task.CompletedTask;
    }
}

/// <summary>A deactivated member's live connections here are closed at once.</summary>
public sealed class MemberDeactivatedConsumer(LocalConnections connections, ILogger<MemberDeactivatedConsumer> logger)
    : IConsumer<MemberDeactivated>
{
    public Task Consume(ConsumeContext<MemberDeactivated> context)
    {
        connections.Close(connections.Of(context.Message.TenantId, context.Message.UserId), "the member was deactivated", logger);
        return Task.CompletedTask;
    }
}

/// <summary>An ended session's live connections here are closed at once (logout, a reused refresh token).</summary>
public sealed class SessionEndedConsumer(LocalConnections connections, ILogger<SessionEndedConsumer> logger)
    : IConsumer<SessionEnded>
{
    public Task Consume(ConsumeContext<SessionEnded> context)
    {
        connections.Close(connections.OfSession(context.Message.TenantId, context.Message.SessionId), "its session ended", logger);
        return Task.CompletedTask;
    }
}
