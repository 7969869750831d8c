using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

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
