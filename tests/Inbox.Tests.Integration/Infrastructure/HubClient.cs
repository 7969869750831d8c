using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// A SignalR client speaking the JSON hub protocol over a real WebSocket (the .NET SignalR client package is not
/// served by this registry). Records every event it receives, in order.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentQueue<(string Target, JsonElement[] Arguments, long At)> _events = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextInvocationId;
    private Task _receiving = Task.CompletedTask;

    public static async Task<HubClient> ConnectAsync(Uri serviceAddress, string accessToken)
    {
        var client = new HubClient();
        var url = new UriBuilder(serviceAddress)
        {
            Scheme = "ws",
            Path = "/hubs/inbox",
            Query = "access_token=" + Uri.EscapeDataString(accessToken),
        }.Uri;
        await client._socket.ConnectAsync(url, CancellationToken.None);
        await client.SendAsync("""{"protocol":"json","version":1}""");
        var handshake = await client.ReceiveFrameAsync(CancellationToken.None);
        if (handshake is null || handshake.Contains("error", StringComparison.Ordinal))
            throw new InvalidOperationException($"SignalR handshake failed: {handshake}");
        client._receiving = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>Every event received so far, in arrival order.</summary>
    public IReadOnlyList<(string Name, JsonElement Payload)> All() =>
        _events.Select(e => (e.Target, e.Arguments.Length > 0 ? e.Arguments[0] : default)).ToList();

    public IReadOnlyList<JsonElement> Received(string target) =>
        _events.Where(e => e.Target == target).Select(e => e.Arguments[0]).ToList();

    /// <summary>Every event received so far, in arrival order, with when its frame arrived (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public IReadOnlyList<(string Name, JsonElement Payload, long At)> Timeline() =>
        _events.Select(e => (e.Target, e.Arguments.Length > 0 ? e.Arguments[0] : default, e.At)).ToList();

    /// <summary>Waits until at least <paramref name="count"/> events of <paramref name="target"/> arrived.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(string target, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Received(target).Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} '{target}' events, got {Received(target).Count}.");
            await Task.Delay(20);
        }
        return Received(target);
    }

    /// <summary>Waits until an event of <paramref name="target"/> matching <paramref name="match"/> arrived; returns it.</summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var e in Received(target))
                if (match(e)) return e;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No matching '{target}' event among {Received(target).Count}: {string.Join(" | ", Received(target))}");
            await Task.Delay(20);
        }
    }

    /// <summary>Calls a hub method; throws <see cref="HubCallException"/> with the server's error message.</summary>
    public async Task<JsonElement> InvokeAsync(string method, params object[] arguments)
    {
        var id = Interlocked.Increment(ref _nextInvocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = completion;
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target = method, arguments }));
        return await completion.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var frame = await ReceiveFrameAsync(_stop.Token);
                if (frame is null) break;
                var at = System.Diagnostics.Stopwatch.GetTimestamp();
                foreach (var record in frame.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                    Dispatch(JsonDocument.Parse(record).RootElement.Clone(), at);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            _closed.TrySetResult();
            foreach (var call in _calls.Values) call.TrySetException(new HubCallException("connection closed"));
        }
    }

    private void Dispatch(JsonElement message, long at)
    {
        switch (message.GetProperty("type").GetInt32())
        {
            case 1: // invocation from the server
                _events.Enqueue((message.GetProperty("target").GetString()!,
                    message.GetProperty("arguments").EnumerateArray().ToArray(), at));
                break;
            case 3: // completion of one of our calls
                if (_calls.TryRemove(message.GetProperty("invocationId").GetString()!, out var call))
                {
                    if (message.TryGetProperty("error", out var error)) call.TrySetException(new HubCallException(error.GetString()!));
                    else call.TrySetResult(message.TryGetProperty("result", out var result) ? result : default);
                }
                break;
            case 7: // close
                _stop.Cancel();
                break;
        }
    }

    private async Task<string?> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            frame.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(frame.ToArray());
    }

    private Task SendAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
        _stop.Cancel();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }
}

public sealed class HubCallException(string message) : Exception(message);
