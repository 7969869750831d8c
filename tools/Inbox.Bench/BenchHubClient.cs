using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Inbox.Bench;

/// <summary>
/// A lean SignalR client (JSON hub protocol over a WebSocket), built to hold thousands of connections on the machine
/// under test: a small receive buffer, and events handed to a callback as (target, record bytes, receive timestamp)
/// without building a document unless the caller asks. The tests use the .NET SignalR client (HubClient there); the
/// benchmark keeps this one until the two are measured side by side at 20,000 connections.
/// </summary>
public sealed class BenchHubClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] TargetKey = "\"target\":\""u8.ToArray();
    private static readonly byte[] InvocationIdKey = "\"invocationId\":\""u8.ToArray();
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Action<BenchHubClient, string, ReadOnlyMemory<byte>, long>? _onEvent;
    private Task _receiving = Task.CompletedTask;
    private int _nextInvocationId;
    private int _disposed;

    private BenchHubClient(Action<BenchHubClient, string, ReadOnlyMemory<byte>, long>? onEvent) => _onEvent = onEvent;

    /// <summary>Anything the caller wants to hang on this connection (its tenant, its received ids).</summary>
    public object? State { get; set; }

    public bool IsOpen => _socket.State == WebSocketState.Open && !_stop.IsCancellationRequested;

    /// <param name="onEvent">Called on the receive loop for each server invocation: target, the record, Stopwatch timestamp.</param>
    public static async Task<BenchHubClient> ConnectAsync(Uri realtime, string accessToken,
        Action<BenchHubClient, string, ReadOnlyMemory<byte>, long>? onEvent, object? state = null, CancellationToken cancellationToken = default)
    {
        var client = new BenchHubClient(onEvent) { State = state };
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero; // SignalR pings on its own
        var url = new UriBuilder(realtime)
        {
            Scheme = "ws", Path = "/hubs/inbox", Query = "access_token=" + Uri.EscapeDataString(accessToken),
        }.Uri;
        try
        {
            await client._socket.ConnectAsync(url, cancellationToken);
            await client.SendAsync("""{"protocol":"json","version":1}""", cancellationToken);
            var buffer = new byte[4096];
            var handshake = await client._socket.ReceiveAsync(buffer, cancellationToken);
            var text = Encoding.UTF8.GetString(buffer, 0, handshake.Count);
            if (handshake.MessageType == WebSocketMessageType.Close || text.Contains("error", StringComparison.Ordinal))
                throw new InvalidOperationException($"SignalR handshake failed: {text}");
        }
        catch
        {
            client._socket.Dispose();
            throw;
        }
        client._receiving = Task.Run(client.ReceiveLoopAsync, CancellationToken.None);
        return client;
    }

    /// <summary>Calls a hub method and waits for its completion; throws with the server's error.</summary>
    public async Task<JsonElement> InvokeAsync(string method, params object[] arguments)
    {
        var id = Interlocked.Increment(ref _nextInvocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = completion;
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target = method, arguments }), CancellationToken.None);
        return await completion.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[4096];
        var frame = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                var timestamp = Stopwatch.GetTimestamp();
                ReadOnlyMemory<byte> data;
                if (result.EndOfMessage && frame.Length == 0) data = buffer.AsMemory(0, result.Count);
                else
                {
                    frame.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage) continue;
                    data = frame.GetBuffer().AsMemory(0, (int)frame.Length);
                }
                Dispatch(data, timestamp);
                frame.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _stop.Cancel();
            foreach (var call in _calls.Values) call.TrySetException(new InvalidOperationException("connection closed"));
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> frame, long timestamp)
    {
        var rest = frame;
        while (rest.Length > 0)
        {
            var end = rest.Span.IndexOf(RecordSeparator);
            var record = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            var span = record.Span;
            if (span.StartsWith("{\"type\":1,"u8)) // an invocation from the server
            {
                if (StringAfter(span, TargetKey) is { } target) _onEvent?.Invoke(this, target, record, timestamp);
            }
            else if (span.StartsWith("{\"type\":3,"u8) && StringAfter(span, InvocationIdKey) is { } id && _calls.TryRemove(id, out var call))
            {
                using var document = JsonDocument.Parse(record);
                if (document.RootElement.TryGetProperty("error", out var error)) call.TrySetException(new InvalidOperationException(error.GetString()));
                else call.TrySetResult(document.RootElement.TryGetProperty("result", out var value) ? value.Clone() : default);
            }
            else if (span.StartsWith("{\"type\":7"u8)) _stop.Cancel(); // the server closes
        }
    }

    /// <summary>The JSON string value that follows <paramref name="key"/> (no escapes expected in ids and targets).</summary>
    public static string? StringAfter(ReadOnlySpan<byte> record, ReadOnlySpan<byte> key)
    {
        var at = record.IndexOf(key);
        if (at < 0) return null;
        var value = record[(at + key.Length)..];
        var end = value.IndexOf((byte)'"');
        return end < 0 ? null : Encoding.UTF8.GetString(value[..end]);
    }

    private async Task SendAsync(string json, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(json + (char)RecordSeparator);
        await _sending.WaitAsync(cancellationToken); // a WebSocket takes one send at a time
        try { await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken); }
        finally { _sending.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None)
                    .WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or ObjectDisposedException)
        {
        }
        _stop.Cancel();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }
}
