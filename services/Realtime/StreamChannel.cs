using System.Text.Json;
using StackExchange.Redis;

namespace Inbox.Realtime;

/// <summary>
/// How stream events reach every instance: the one instance that consumed a batch pushes it to its own members of
/// their groups at once (<see cref="HubFanout"/>) and publishes it once on one Redis channel, from which every other
/// instance pushes it to its own. An instance alone on the channel (Redis counts the receivers of each publish) stops
/// serializing batches for nobody until another one says it listens, which each does when it subscribes; it still
/// publishes once a second, so it notices others that came while Redis was away.
/// <para>
/// Why not the backplane's group sends: they travel on one Redis channel per group, and each channel is drained on
/// its own, so a client in both its tenant's group and a conversation's room could get a room event after a later
/// tenant event — and the browser drops a position at or below the last one it applied. One channel keeps every
/// instance's pushes in position order. Without Redis, a batch reaches this instance's connections only; positions
/// stay gap-free, so the others catch up from GET /api/events when they reconnect.
/// </para>
/// </summary>
public sealed class StreamChannel(RealtimeRedis redis, HubFanout fanout, ILogger<StreamChannel> logger) : BackgroundService
{
    /// <summary>One event for one group.</summary>
    public sealed record Delivery(string Group, string Name, JsonElement Payload);

    /// <summary>StackExchange.Redis puts the deployment's channel prefix before it: one channel per deployment, like its stream queue.</summary>
    private static readonly RedisChannel Channel = RedisChannel.Literal("realtime:stream");

    /// <summary>Marks what this instance publishes (first bytes of each message), so it skips its own.</summary>
    private readonly byte[] _self = Guid.NewGuid().ToByteArray();
    private volatile bool _alone;
    private long _lastPublish;

    /// <summary>To every instance's connections (this one's only, while Redis is down), in the order of the calls.</summary>
    public async Task PublishAsync(IReadOnlyList<Delivery> deliveries)
    {
        if (deliveries.Count == 0) return;
        Push(deliveries);
        if (!redis.IsConnected || (_alone && Environment.TickCount64 - Interlocked.Read(ref _lastPublish) < 1000)) return;
        try
        {
            byte[] message = [.. _self, .. JsonSerializer.SerializeToUtf8Bytes(deliveries)];
            var receivers = await redis.Connection.GetSubscriber().PublishAsync(Channel, message);
            Interlocked.Exchange(ref _lastPublish, Environment.TickCount64);
            _alone = receivers <= 1; // this instance's own subscription
        }
        catch (RedisException ex)
        {
            logger.LogDebug(ex, "Redis is down: a stream batch reaches this instance only");
        }
    }

    private void Push(IEnumerable<Delivery> deliveries)
    {
        foreach (var (group, name, payload) in deliveries) fanout.Push(group, name, [payload]);
    }

    private void Receive(ChannelMessage message)
    {
        var bytes = (byte[])message.Message!;
        if (bytes.Length < _self.Length || bytes.AsSpan(0, _self.Length).SequenceEqual(_self)) return; // its own, pushed already
        _alone = false;
        if (bytes.Length == _self.Length) return; // another instance saying it listens
        try
        {
            Push(JsonSerializer.Deserialize<List<Delivery>>(bytes.AsSpan(_self.Length))!);
        }
        catch (JsonException ex)
        {
            logger.LogError(ex, "Dropped a stream batch that could not be read");
        }
    }

    /// <summary>
    /// Subscribes once Redis answers (StackExchange.Redis renews the subscription after any outage). The queue API
    /// delivers in publish order, one message at a time; each is only handed to HubFanout, so nothing waits on a client.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.Connection.GetSubscriber();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (redis.IsConnected)
            {
                try
                {
                    var queue = await subscriber.SubscribeAsync(Channel);
                    queue.OnMessage(Receive);
                    await subscriber.PublishAsync(Channel, _self); // the others publish for this one from now on
                    return;
                }
                catch (RedisException ex)
                {
                    logger.LogWarning(ex, "Could not subscribe to the stream channel; trying again");
                    await subscriber.UnsubscribeAsync(Channel, null, CommandFlags.FireAndForget); // a half-made subscription
                }
            }
            try { await Task.Delay(500, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
