using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

/// <summary>
/// SignalR's own in-memory lifetime manager (IHubContext and the hub's Groups keep working as before) that also
/// tells <see cref="HubFanout"/> which connections exist and which groups they are in: the fan-out needs each
/// connection's <see cref="HubConnectionContext"/> to give it a queue of its own.
/// </summary>
public sealed class FanoutLifetimeManager(HubFanout fanout, ILogger<DefaultHubLifetimeManager<InboxHub>> logger)
    : DefaultHubLifetimeManager<InboxHub>(logger)
{
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        fanout.Connected(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        fanout.Disconnected(connection.ConnectionId);
        await base.OnDisconnectedAsync(connection);
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await base.AddToGroupAsync(connectionId, groupName, cancellationToken);
        fanout.Joined(connectionId, groupName);
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await base.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
        fanout.Left(connectionId, groupName);
    }
}
