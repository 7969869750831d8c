using Inbox.Contracts;

namespace Inbox.Realtime;

/// <summary>
/// Presence and viewers across every instance, rebuilt from their <see cref="InstanceState"/> reports. Each
/// instance keeps the same board, so each can tell its own connections what changed. An agent is online if any
/// of their connections anywhere is online, away if all are away, offline when none is left.
/// </summary>
public sealed class PresenceBoard
{
    private readonly Dictionary<string, InstanceState> _instances = [];
    private readonly Lock _lock = new();

    public sealed record Changes(
        IReadOnlyList<(Guid TenantId, Guid UserId, string UserName, string State)> Presence,
        IReadOnlyList<(Guid TenantId, Guid ConversationId, IReadOnlyList<(Guid UserId, string UserName)> Viewers)> Viewing);

    public Changes Apply(InstanceState state) => Change(() => _instances[state.InstanceId] = state);

    /// <summary>Forgets instances that have not reported within <paramref name="timeout"/> (they died).</summary>
    public Changes Expire(DateTimeOffset now, TimeSpan timeout) => Change(() =>
    {
        foreach (var silent in _instances.Where(i => now - i.Value.At > timeout).Select(i => i.Key).ToList())
            _instances.Remove(silent);
    });

    public IReadOnlyList<(Guid UserId, string UserName, string State)> PresenceOf(Guid tenantId)
    {
        lock (_lock)
            return Presence().Where(p => p.Key.TenantId == tenantId).Select(p => (p.Key.UserId, p.Value.Name, p.Value.State)).ToList();
    }

    public IReadOnlyList<(Guid UserId, string UserName)> ViewersOf(Guid tenantId, Guid conversationId)
    {
        lock (_lock)
            return Viewers().GetValueOrDefault((tenantId, conversationId)) ?? [];
    }

    private Changes Change(Action mutate)
    {
        lock (_lock)
        {
            var presenceBefore = Presence();
            var viewersBefore = Viewers();
            mutate();
            var presenceAfter = Presence();
            var viewersAfter = Viewers();

            var presence = presenceAfter.Where(p => presenceBefore.GetValueOrDefault(p.Key).State != p.Value.State)
                .Select(p => (p.Key.TenantId, p.Key.UserId, p.Value.Name, p.Value.State))
                .Concat(presenceBefore.Where(p => !presenceAfter.ContainsKey(p.Key))
                    .Select(p => (p.Key.TenantId, p.Key.UserId, p.Value.Name, PresenceStates.Offline)))
                .ToList();
            var viewing = viewersAfter.Keys.Union(viewersBefore.Keys)
                .Where(k => !(viewersBefore.GetValueOrDefault(k) ?? []).SequenceEqual(viewersAfter.GetValueOrDefault(k) ?? []))
                .Select(k => (k.TenantId, k.ConversationId, (IReadOnlyList<(Guid, string)>)(viewersAfter.GetValueOrDefault(k) ?? [])))
                .ToList();
            return new Changes(presence, viewing);
        }
    }

    private Dictionary<(Guid TenantId, Guid UserId), (string Name, string State)> Presence() =>
        _instances.Values.SelectMany(i => i.Agents)
            .GroupBy(a => (a.TenantId, a.UserId))
            .ToDictionary(g => g.Key, g => (g.First().UserName, g.MaxBy(a => PresenceStates.Rank(a.State))!.State));

    private Dictionary<(Guid TenantId, Guid ConversationId), List<(Guid UserId, string UserName)>> Viewers() =>
        _instances.Values.SelectMany(i => i.Viewers)
            .GroupBy(v => (v.TenantId, v.ConversationId))
            .ToDictionary(g => g.Key, g => g.Select(v => (v.UserId, v.UserName)).Distinct().OrderBy(v => v.UserId).ToList());
}
