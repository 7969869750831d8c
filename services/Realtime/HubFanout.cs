using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Inbox.Realtime;

/// <summary>
/// Writes to this instance's connections without ever waiting on one of them. Whatever reaches a connection — a
/// stream event pushed here (<see cref="Push"/>), or a send of the SignalR Redis backplane, which writes to the
/// <see cref="QueuedConnection"/> it was given instead of the real one — goes into that connection's own outgoing
/// queue, written in the order it was filled, and the caller returns at once. So events reach every client in the
/// order they were pushed, and a client that stops reading delays no one but itself (the backplane drains each
/// group's channel one message at a time: without the queue, one stuck client would hold up its whole group).
/// <para>
/// A connection is aborted (it reconnects and catches up through GET /api/events?after=) when its queue — what
/// waits beyond SignalR's own 64 KB transport buffer and the socket's — would exceed
/// <see cref="RealtimeSettings.PushBacklogEvents"/> events or <see cref="RealtimeSettings.PushBacklogBytes"/>
/// bytes, or when one write has been pending for longer than <see cref="RealtimeSettings.PushDeadline"/>. A queue
/// holds references to serialized events shared by every connection that gets them, so memory is bounded by
/// connections × the byte bound, and in practice by the distinct events of the last few seconds.
/// </para>
/// </summary>
public sealed class HubFanout : IDisposable
{
    private readonly ConcurrentDictionary<string, Outbox> _outboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Outbox>> _groups = new(StringComparer.Ordinal);
    private readonly Lock _membership = new();
    private readonly RealtimeSettings _settings;
    private readonly ILogger<HubFanout> _logger;
    private readonly Timer _deadlines;

    public HubFanout(RealtimeSettings settings, ILogger<HubFanout> logger)
    {
        _settings = settings;
        _logger = logger;
        var every = TimeSpan.FromMilliseconds(Math.Clamp(settings.PushDeadline.TotalMilliseconds / 4, 10, 250));
        _deadlines = new Timer(_ => AbortOverdue(), null, every, every);
    }

    /// <summary>
    /// Queues <paramref name="eventName"/>(<paramref name="args"/>) for every connection of <paramref name="group"/>
    /// on this instance but <paramref name="except"/>, and returns without waiting for any of them. Calls made one
    /// after another reach each client in that order.
    /// </summary>
    public void Push(string group, string eventName, object?[] args, IReadOnlyList<string>? except = null)
    {
        if (!_groups.TryGetValue(group, out var members)) return;
        SerializedHubMessage? message = null;
        var delivered = 0;
        foreach (var (connectionId, outbox) in members)
        {
            if (except is not null && except.Contains(connectionId, StringComparer.Ordinal)) continue;
            message ??= new SerializedHubMessage(new InvocationMessage(eventName, args));
            outbox.Send(message);
            delivered++;
        }
        RealtimeTelemetry.Delivered(eventName, delivered);
    }

    /// <summary>Drops the connections here that <paramref name="which"/> picks (each reconnects and catches up from GET /api/events?after=).</summary>
    internal void Abort(Func<QueuedConnection, bool> which, string reason)
    {
        foreach (var outbox in _outboxes.Values)
        {
            if (which(outbox.Queued)) outbox.Abort(reason);
        }
    }

    // Membership, kept in step with SignalR's own by BackplaneLifetimeManager. Changes are rare next to pushes: one lock.

    /// <summary>Gives the connection its queue; what the backplane writes to the connection returned goes through it.</summary>
    internal QueuedConnection Connected(HubConnectionContext connection)
    {
        var outbox = new Outbox(connection, this);
        lock (_membership) _outboxes[connection.ConnectionId] = outbox;
        return outbox.Queued;
    }

    internal QueuedConnection? Find(string connectionId) => _outboxes.GetValueOrDefault(connectionId)?.Queued;

    internal void Disconnected(string connectionId)
    {
        Outbox? outbox;
        lock (_membership)
        {
            if (!_outboxes.TryRemove(connectionId, out outbox)) return;
            foreach (var group in outbox.Groups) RemoveMember(group, connectionId);
        }
        outbox.Close();
    }

    internal void Joined(string connectionId, string group)
    {
        lock (_membership)
        {
            if (!_outboxes.TryGetValue(connectionId, out var outbox) || !outbox.Groups.Add(group)) return;
            _groups.GetOrAdd(group, _ => new(StringComparer.Ordinal))[connectionId] = outbox;
        }
    }

    internal void Left(string connectionId, string group)
    {
        lock (_membership)
        {
            if (_outboxes.TryGetValue(connectionId, out var outbox) && outbox.Groups.Remove(group)) RemoveMember(group, connectionId);
        }
    }

    private void RemoveMember(string group, string connectionId)
    {
        if (_groups.TryGetValue(group, out var members) && members.TryRemove(connectionId, out _) && members.IsEmpty)
            _groups.TryRemove(group, out _);
    }

    /// <summary>On a timer (a quarter of the deadline, at most 250 ms): drops the connections whose write is overdue.</summary>
    private void AbortOverdue()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var outbox in _outboxes.Values)
        {
            var since = outbox.PendingSince;
            if (since == 0 || Stopwatch.GetElapsedTime(since, now) <= _settings.PushDeadline) continue;
            try
            {
                outbox.Abort($"a write has been pending for more than {_settings.PushDeadline.TotalSeconds:0.#} s");
            }
            catch (Exception ex) // a timer callback must not throw
            {
                _logger.LogWarning(ex, "Could not drop an overdue connection");
            }
        }
    }

    public void Dispose() => _deadlines.Dispose();

    /// <summary>
    /// One connection's outgoing queue. Whoever finds it idle writes: the pusher itself, synchronously, in the common
    /// case where SignalR takes the bytes at once (as its group send does). A write that does not complete at once is
    /// awaited off the pusher's path, and what arrives meanwhile queues behind it, so writes to one connection never
    /// overlap or reorder.
    /// </summary>
    [SuppressMessage("Design", "CA1001", Justification = "_closing has no timer or wait handle to release; it is cancelled when the connection closes, and disposing it would race writes still reading its token.")]
    private sealed class Outbox(HubConnectionContext connection, HubFanout owner)
    {
        public QueuedConnection Queued { get; } = QueuedConnection.For(connection, owner);

        private readonly Lock _gate = new();
        private readonly Queue<(SerializedHubMessage Message, int Bytes)> _queue = new();
        private readonly CancellationTokenSource _closing = new();
        private long _queuedBytes;
        private bool _writing;
        private bool _closed;
        private long _pendingSince;

        /// <summary>The groups it is in; guarded by the owner's membership lock.</summary>
        public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

        /// <summary>When the write in flight went pending (a <see cref="Stopwatch"/> timestamp); 0 when none is.</summary>
        public long PendingSince => Volatile.Read(ref _pendingSince);

        public void Send(SerializedHubMessage message)
        {
            var settings = owner._settings;
            string? overflow = null;
            lock (_gate)
            {
                if (_closed) return;
                if (!_writing)
                {
                    _writing = true;
                }
                else
                {
                    var bytes = message.GetSerializedMessage(connection.Protocol).Length; // cached: once per protocol
                    if (_queue.Count < settings.PushBacklogEvents && _queuedBytes + bytes <= settings.PushBacklogBytes)
                    {
                        _queue.Enqueue((message, bytes));
                        _queuedBytes += bytes;
                        return;
                    }
                    overflow = $"its backlog is full ({_queue.Count} events, {_queuedBytes / 1024} KB queued)";
                    CloseLocked();
                }
            }
            if (overflow is not null) Drop(overflow);
            else if (WriteWhileImmediate(message) is { } pending) _ = DrainAsync(pending);
        }

        /// <summary>Writes, then whatever queued behind, while SignalR takes each at once; returns the write that did not.</summary>
        private ValueTask? WriteWhileImmediate(SerializedHubMessage message)
        {
            while (true)
            {
                var write = connection.WriteAsync(message, _closing.Token);
                if (!write.IsCompletedSuccessfully)
                {
                    Volatile.Write(ref _pendingSince, Stopwatch.GetTimestamp());
                    return write;
                }
                write.GetAwaiter().GetResult();
                if (!TryDequeue(out message)) return null;
            }
        }

        private async Task DrainAsync(ValueTask pending)
        {
            while (true)
            {
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Only our own token cancels a write (the connection is closing already). Anything else that
                    // fails a write would leave the client with a gap: it goes.
                    Abort("a write failed");
                    return;
                }
                Volatile.Write(ref _pendingSince, 0);
                if (!TryDequeue(out var next) || WriteWhileImmediate(next) is not { } stillPending) return;
                pending = stillPending;
            }
        }

        private bool TryDequeue(out SerializedHubMessage message)
        {
            lock (_gate)
            {
                if (!_closed && _queue.TryDequeue(out var next))
                {
                    _queuedBytes -= next.Bytes;
                    message = next.Message;
                    return true;
                }
                _writing = false;
                message = null!;
                return false;
            }
        }

        /// <summary>Drops the connection: SignalR closes it without a stateful reconnect, so the client catches up from the API.</summary>
        public void Abort(string reason)
        {
            lock (_gate)
            {
                if (_closed) return;
                CloseLocked();
            }
            Drop(reason);
        }

        private void Drop(string reason)
        {
            owner._logger.LogInformation("Dropped connection {ConnectionId}: {Reason}", connection.ConnectionId, reason);
            try
            {
                connection.Abort(); // first: it rules out a stateful reconnect, and cancels the pending flush
                // Then the socket itself: SignalR's close frame would wait behind the full buffers until the
                // transport's send timeout (10 s), holding the connection and its buffers for that long.
                connection.Features.Get<IConnectionLifetimeFeature>()?.Abort();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // It finished closing on its own meanwhile.
            }
            ReleaseWaiters();
        }

        /// <summary>The connection is gone: stop writing, and release a write still waiting.</summary>
        public void Close()
        {
            lock (_gate)
            {
                if (_closed) return;
                CloseLocked();
            }
            ReleaseWaiters();
        }

        private void CloseLocked()
        {
            _closed = true;
            _queue.Clear();
            _queuedBytes = 0;
            Volatile.Write(ref _pendingSince, 0);
        }

        // A write can wait on SignalR's per-connection lock or its stateful-reconnect buffer: both watch this token.
        private void ReleaseWaiters()
        {
            try { _closing.Cancel(); }
            catch (AggregateException ex) { owner._logger.LogWarning(ex, "Releasing the writes of {ConnectionId} failed", connection.ConnectionId); }
        }
    }

    /// <summary>
    /// The connection as the Redis backplane sees it: the same id, user, features and protocol as the real one, but a
    /// write only queues the message in the connection's <see cref="Outbox"/> and returns. Whether the connection is
    /// registered with the backplane (it is not if it came while Redis was down) is known here too.
    /// </summary>
    internal sealed class QueuedConnection : HubConnectionContext
    {
        private readonly HubConnectionContext _connection;
        private readonly HubFanout _owner;

        private QueuedConnection(HubConnectionContext connection, HubFanout owner)
            : base(new DefaultConnectionContext(connection.ConnectionId), new HubConnectionContextOptions(), NullLoggerFactory)
        {
            _connection = connection;
            _owner = owner;
            UserIdentifier = connection.UserIdentifier;
        }

        private static readonly Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory NullLoggerFactory = new();

        public static QueuedConnection For(HubConnectionContext connection, HubFanout owner) => new(connection, owner);

        public BackplaneState Backplane { get; set; }

        public override string ConnectionId => _connection.ConnectionId;
        public override ClaimsPrincipal User => _connection.User;
        public override IFeatureCollection Features => _connection.Features;
        public override IDictionary<object, object?> Items => _connection.Items;
        public override CancellationToken ConnectionAborted => _connection.ConnectionAborted;
        public override IHubProtocol Protocol { get => _connection.Protocol; set { } }
        public override void Abort() => _connection.Abort();

        public override ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
        {
            _owner._outboxes.GetValueOrDefault(ConnectionId)?.Send(message);
            return ValueTask.CompletedTask;
        }

        public override ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
            WriteAsync(new SerializedHubMessage(message), cancellationToken);
    }
}

/// <summary>Whether a connection's channels are subscribed on the backplane.</summary>
internal enum BackplaneState { Registering, Registered, Unregistered }
