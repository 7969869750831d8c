using System.Diagnostics;
using System.Text.Json;
using Inbox.Contracts;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 3. Typing: --pairs pairs of agents (50), each pair in its own conversation; one calls StartTyping, the other
/// waits for typing:start (latency from the call), then StopTyping and typing:stop, --rounds times (20).
/// Reconciled: each round's typing:start reaches the colleague exactly once.
/// </summary>
public static class Typing
{
    public const string Name = "3. typing";
    private static readonly byte[] ConversationKey = "\"conversationId\":\""u8.ToArray();

    private sealed class Pair
    {
        public required Guid Conversation { get; init; }
        public string Round = "";
        public readonly List<string> Started = [];
        public TaskCompletionSource<long> Start = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, CancellationToken cancellationToken)
    {
        var pairs = options.Int("pairs", 50);
        var rounds = options.Int("rounds", 20);
        var result = new ScenarioResult(Name) { Parameters = { ["pairs"] = pairs, ["rounds"] = rounds } };
        await using var database = target.OpenDatabase(4);
        var latency = new Latencies();
        var sent = new List<string>();
        var clients = new List<BenchHubClient>();
        try
        {
            var prepared = new List<(Pair Pair, BenchHubClient Typist)>();
            for (var p = 0; p < pairs; p++)
            {
                var tenant = tenants[p % tenants.Count];
                var conversation = await ConversationAsync(target, database, tenant, p, cancellationToken);
                var pair = new Pair { Conversation = conversation };
                var typist = await BenchHubClient.ConnectAsync(target.Realtime, tenant.AgentTokens[p / tenants.Count % tenant.AgentTokens.Count], null, cancellationToken: cancellationToken);
                clients.Add(typist);
                var colleague = await BenchHubClient.ConnectAsync(target.Realtime, tenant.AgentTokens[(p / tenants.Count + 1) % tenant.AgentTokens.Count], (_, name, record, at) =>
                {
                    if (BenchHubClient.StringAfter(record.Span, ConversationKey) != conversation.ToString()) return;
                    if (name == HubEvents.TypingStart)
                    {
                        lock (pair.Started) pair.Started.Add(pair.Round);
                        pair.Start.TrySetResult(at);
                    }
                    else if (name == HubEvents.TypingStop) pair.Stop.TrySetResult();
                }, cancellationToken: cancellationToken);
                clients.Add(colleague);
                await typist.InvokeAsync("JoinConversation", conversation);
                await colleague.InvokeAsync("JoinConversation", conversation);
                prepared.Add((pair, typist));
            }

            await Task.WhenAll(prepared.Select(async (x, p) =>
            {
                await Task.Delay(p * 300 / Math.Max(1, pairs), cancellationToken); // spread the pairs over a round
                for (var r = 0; r < rounds; r++)
                {
                    x.Pair.Round = $"pair{p}-round{r}";
                    x.Pair.Start = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    x.Pair.Stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    lock (sent) sent.Add(x.Pair.Round);
                    var began = Stopwatch.GetTimestamp();
                    await x.Typist.InvokeAsync("StartTyping", x.Pair.Conversation, false);
                    var arrived = await x.Pair.Start.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (long?)null, cancellationToken);
                    if (arrived is { } at) latency.Add((at - began) * 1000.0 / Stopwatch.Frequency);
                    await x.Typist.InvokeAsync("StopTyping", x.Pair.Conversation);
                    await x.Pair.Stop.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ContinueWith(_ => { }, cancellationToken);
                    await Task.Delay(250, cancellationToken); // the hub allows 10 calls a second per connection
                }
            }));
            result.LoadAfter = SystemStats.LoadAverage();
            var summary = latency.Summarize();
            result.Latency("typing latency", summary);
            List<string> received = [.. prepared.SelectMany(x => { lock (x.Pair.Started) return x.Pair.Started.ToList(); })];
            result.Reconciliation = new Reconciliation { Acknowledged = sent, Persisted = sent, Clients = [(received, sent)] }.Check();
            result.Target("typing p99", summary.P99, 200, atLeast: false, "ms");
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
        return result;
    }

    /// <summary>A customer writes once, so the pair has a conversation to type in.</summary>
    private static async Task<Guid> ConversationAsync(BenchTarget target, Npgsql.NpgsqlDataSource database, BenchTenant tenant, int pair, CancellationToken cancellationToken)
    {
        var waId = $"49172{tenant.Index:D3}{pair:D5}";
        var existing = await BenchTenants.ScalarAsync(database, tenant.Id,
            "select c.id from conversations c join contacts k on k.id = c.contact_id where k.wa_id = $1 limit 1", cancellationToken, waId);
        if (existing is Guid id) return id;
        using var load = new WebhookLoad(target);
        await load.SendOneAsync(tenant, waId, cancellationToken);
        return (Guid)(await BenchTenants.ScalarAsync(database, tenant.Id,
            "select c.id from conversations c join contacts k on k.id = c.contact_id where k.wa_id = $1 limit 1", cancellationToken, waId))!;
    }
}
