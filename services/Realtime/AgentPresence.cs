using System.Text.Json;
using StackExchange.Redis;

namespace Inbox.Realtime;

/// <summary>
/// Presence, viewers and typing of every instance's connections, in Redis, so any instance — a new one too — reads the
/// current state at once. Each connection is a hash (tenant, user, name, state, the conversations it views and types
/// in) with an expiry time in one sorted set; its instance pushes that time forward on every heartbeat. An instance
/// that dies stops doing so, and whichever instance first finds the time passed forgets its connections
/// (<see cref="ForgetAsync"/>, also what a normal disconnect does). An agent's state is the best of their connections'
/// (online, else away — since the latest of their away connections' times: when they were last active); per tenant,
/// the last published state of each agent and the viewers of each conversation are kept beside, so that a change is
/// announced once, by the instance that made it.
/// </summary>
public sealed class AgentPresence(RealtimeRedis redis, RealtimeSettings settings)
{
    /// <summary>What a forgotten connection leaves to announce.</summary>
    public sealed record Forgotten(Guid TenantId, Guid UserId, string UserName, PresenceChange? PresenceChange,
        IReadOnlyList<(Guid ConversationId, IReadOnlyList<Viewer>? Viewers)> Viewing, IReadOnlyList<(Guid ConversationId, bool IsPrivate)> Typing);

    public sealed record Viewer(Guid UserId, string UserName);

    /// <param name="Since">For "away": since when (the agent's last activity, or when they chose away); else null.</param>
    public sealed record AgentState(Guid UserId, string UserName, string State, DateTimeOffset? Since);

    /// <summary>An agent's new state (offline, online, away since a time), to announce.</summary>
    public sealed record PresenceChange(string State, DateTimeOffset? Since);

    private string Connection(string connectionId) => $"{redis.KeyPrefix}conn:{connectionId}";
    private string Expiry => $"{redis.KeyPrefix}expiry";
    private string UserConnections(Guid tenantId, Guid userId) => $"{redis.KeyPrefix}t:{tenantId}:u:{userId}";
    private string Agents(Guid tenantId) => $"{redis.KeyPrefix}t:{tenantId}:agents";
    private string ConversationViewers(Guid tenantId, Guid conversationId) => $"{redis.KeyPrefix}t:{tenantId}:c:{conversationId}";
    private string Viewing(Guid tenantId) => $"{redis.KeyPrefix}t:{tenantId}:viewing";

    private double ExpiresAt() => DateTimeOffset.UtcNow.Add(settings.InstanceTimeout).ToUnixTimeMilliseconds();

    /// <summary>
    /// Writes everything this instance knows of the connection (on connect, and again if it was forgotten while alive);
    /// returns the agent's new state if it changed.
    /// </summary>
    public async Task<PresenceChange?> RegisterAsync(AgentConnection c)
    {
        var id = c.Context.ConnectionId;
        HashEntry[] fields =
        [
            new("tenant", c.TenantId.ToString()), new("user", c.UserId.ToString()), new("name", c.UserName), new("state", c.State),
            new("since", c.StateSince.ToUnixTimeMilliseconds()),
            .. c.Joined.Keys.Select(conversation => new HashEntry($"v:{conversation}", 1)),
            .. c.Typing.Select(t => new HashEntry($"t:{t.Key}", t.Value.IsPrivate ? 1 : 0)),
        ];
        var batch = redis.Database.CreateBatch();
        var writes = new List<Task>
        {
            batch.HashSetAsync(Connection(id), fields),
            batch.SetAddAsync(UserConnections(c.TenantId, c.UserId), id),
            batch.SortedSetAddAsync(Expiry, id, ExpiresAt()),
        };
        writes.AddRange(c.Joined.Keys.Select(conversation => batch.SetAddAsync(ConversationViewers(c.TenantId, conversation), id)));
        batch.Execute();
        await Task.WhenAll(writes);
        return await PresenceChangeAsync(c.TenantId, c.UserId, c.UserName);
    }

    /// <summary>The connection's own state changed (online/away); returns the agent's new state if that changed.</summary>
    public async Task<PresenceChange?> SetStateAsync(AgentConnection c)
    {
        await redis.Database.HashSetAsync(Connection(c.Context.ConnectionId),
            [new HashEntry("state", c.State), new HashEntry("since", c.StateSince.ToUnixTimeMilliseconds())]);
        return await PresenceChangeAsync(c.TenantId, c.UserId, c.UserName);
    }

    /// <summary>The connection opened or left a conversation; returns its viewers if they changed.</summary>
    public async Task<IReadOnlyList<Viewer>?> SetViewingAsync(AgentConnection c, Guid conversationId, bool viewing)
    {
        var id = c.Context.ConnectionId;
        var db = redis.Database;
        if (viewing)
        {
            await db.HashSetAsync(Connection(id), $"v:{conversationId}", 1);
            await db.SetAddAsync(ConversationViewers(c.TenantId, conversationId), id);
        }
        else
        {
            await db.HashDeleteAsync(Connection(id), $"v:{conversationId}");
            await db.SetRemoveAsync(ConversationViewers(c.TenantId, conversationId), id);
        }
        return await ViewersChangeAsync(c.TenantId, conversationId);
    }

    /// <summary>Records whether the connection is typing in the conversation (for whoever must announce its stop).</summary>
    public Task SetTypingAsync(AgentConnection c, Guid conversationId, bool? isPrivate) =>
        isPrivate is { } note
            ? redis.Database.HashSetAsync(Connection(c.Context.ConnectionId), $"t:{conversationId}", note ? 1 : 0)
            : redis.Database.HashDeleteAsync(Connection(c.Context.ConnectionId), $"t:{conversationId}");

    /// <summary>Pushes the expiry of this instance's connections forward; returns those that had been forgotten meanwhile.</summary>
    public async Task<IReadOnlyList<AgentConnection>> RefreshAsync(IReadOnlyList<AgentConnection> connections)
    {
        if (connections.Count == 0) return [];
        var at = ExpiresAt();
        // XX: only connections still known; one that was forgotten (its instance looked dead) is registered again.
        var batch = redis.Database.CreateBatch();
        var refreshed = connections.Select(c => batch.SortedSetUpdateAsync(Expiry, c.Context.ConnectionId, at, SortedSetWhen.Exists)).ToList();
        batch.Execute();
        await Task.WhenAll(refreshed);
        // "Changed" is false for a member that is not there (or, harmlessly, whose time did not move).
        return connections.Where((_, i) => !refreshed[i].Result).ToList();
    }

    /// <summary>Connections whose expiry has passed: their instance stopped refreshing them.</summary>
    public async Task<IReadOnlyList<string>> ExpiredAsync() =>
        (await redis.Database.SortedSetRangeByScoreAsync(Expiry, double.NegativeInfinity, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), take: 200))
        .Select(v => v.ToString()).ToList();

    /// <summary>
    /// Removes a connection and everything it contributed; returns what to announce, or null when another instance
    /// (or an earlier call) forgot it first.
    /// </summary>
    public async Task<Forgotten?> ForgetAsync(string connectionId)
    {
        var db = redis.Database;
        if (!await db.SortedSetRemoveAsync(Expiry, connectionId)) return null;
        var fields = (await db.HashGetAllAsync(Connection(connectionId))).ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        await db.KeyDeleteAsync(Connection(connectionId));
        if (!fields.TryGetValue("tenant", out var tenant) || !fields.TryGetValue("user", out var user)) return null;
        var (tenantId, userId, userName) = (Guid.Parse(tenant), Guid.Parse(user), fields.GetValueOrDefault("name") ?? "");
        await db.SetRemoveAsync(UserConnections(tenantId, userId), connectionId);
        var viewing = new List<(Guid, IReadOnlyList<Viewer>?)>();
        foreach (var conversation in Conversations(fields, "v:"))
        {
            await db.SetRemoveAsync(ConversationViewers(tenantId, conversation), connectionId);
            viewing.Add((conversation, await ViewersChangeAsync(tenantId, conversation)));
        }
        var typing = Conversations(fields, "t:").Select(c => (c, fields[$"t:{c}"] == "1")).ToList();
        return new Forgotten(tenantId, userId, userName, await PresenceChangeAsync(tenantId, userId, userName), viewing, typing);
    }

    private static IEnumerable<Guid> Conversations(Dictionary<string, string> fields, string prefix) =>
        fields.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => Guid.Parse(k.AsSpan(prefix.Length)));

    /// <summary>Who of the tenant is online or away now.</summary>
    public async Task<IReadOnlyList<AgentState>> PresenceOfAsync(Guid tenantId) =>
        (await redis.Database.HashGetAllAsync(Agents(tenantId)))
        .Select(e => (UserId: Guid.Parse(e.Name.ToString()), Stored: ParseAgent(e.Value.ToString())))
        .Select(e => new AgentState(e.UserId, e.Stored.UserName, e.Stored.Change.State, e.Stored.Change.Since)).ToList();

    /// <summary>As the script stores an agent: "state\nsince\nname", since in Unix milliseconds or empty.</summary>
    private static (PresenceChange Change, string UserName) ParseAgent(string stored)
    {
        var parts = stored.Split('\n', 3);
        if (parts.Length < 3) return (new PresenceChange(parts[0], null), parts.ElementAtOrDefault(1) ?? ""); // written before "since"
        DateTimeOffset? since = long.TryParse(parts[1], out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return (new PresenceChange(parts[0], since), parts[2]);
    }

    /// <summary>Who has the conversation open now.</summary>
    public async Task<IReadOnlyList<Viewer>> ViewersOfAsync(Guid tenantId, Guid conversationId) =>
        ParseViewers(await redis.Database.HashGetAsync(Viewing(tenantId), conversationId.ToString()));

    /// <summary>As the script stores them: [[userId, userName], …] by user id (pairs, so the text compares alike every time).</summary>
    private static IReadOnlyList<Viewer> ParseViewers(RedisValue value) =>
        value.IsNullOrEmpty ? [] : JsonSerializer.Deserialize<string[][]>(value.ToString())!.Select(v => new Viewer(Guid.Parse(v[0]), v[1])).ToList();

    // Both scripts recompute from the connections (dropping any that are gone), store the result beside and return it
    // only if it differs from what was stored: atomic in Redis, so concurrent instances announce a change once.

    private const string PresenceScript = """
        local rank = { online = 2, away = 1 }
        local best, since = 0, ''
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local c = redis.call('HMGET', ARGV[1] .. id, 'state', 'since')
          local r = rank[c[1]] or 0
          if not c[1] then redis.call('SREM', KEYS[1], id)
          elseif r > best then best, since = r, (c[2] or '')
          elseif r == 1 and best == 1 and (tonumber(c[2]) or 0) > (tonumber(since) or 0) then since = c[2] end
        end
        local state = (best == 2 and 'online') or (best == 1 and 'away') or 'offline'
        if best ~= 1 then since = '' end
        local before = redis.call('HGET', KEYS[2], ARGV[2])
        local after = state .. '\n' .. since .. '\n' .. ARGV[3]
        if best == 0 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[2], after) end
        if before == after or (not before and best == 0) then return false end
        return after
        """;

    private const string ViewersScript = """
        local seen, viewers = {}, {}
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local who = redis.call('HMGET', ARGV[1] .. id, 'user', 'name')
          if not who[1] then redis.call('SREM', KEYS[1], id)
          elseif not seen[who[1]] then seen[who[1]] = true; viewers[#viewers + 1] = { who[1], who[2] } end
        end
        table.sort(viewers, function(a, b) return a[1] < b[1] end)
        local after = #viewers == 0 and '' or cjson.encode(viewers)
        local before = redis.call('HGET', KEYS[2], ARGV[2]) or ''
        if after == '' then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[2], after) end
        if before == after then return false end
        return after
        """;

    private async Task<PresenceChange?> PresenceChangeAsync(Guid tenantId, Guid userId, string userName)
    {
        var result = await redis.Database.ScriptEvaluateAsync(PresenceScript,
            [UserConnections(tenantId, userId), Agents(tenantId)], [$"{redis.KeyPrefix}conn:", userId.ToString(), userName]);
        return result.IsNull ? null : ParseAgent((string)result!).Change;
    }

    private async Task<IReadOnlyList<Viewer>?> ViewersChangeAsync(Guid tenantId, Guid conversationId)
    {
        var result = await redis.Database.ScriptEvaluateAsync(ViewersScript,
            [ConversationViewers(tenantId, conversationId), Viewing(tenantId)], [$"{redis.KeyPrefix}conn:", conversationId.ToString()]);
        return result.IsNull ? null : ParseViewers((RedisValue)result);
    }
}
