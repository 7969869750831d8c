using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Inbox.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// An agent's hub connection through the .NET SignalR client (WebSockets, as browsers use it). Records every event of
/// the hub's catalog (<see cref="HubEvents"/>) it receives, in order — and any other event too, with an empty payload
/// (the client reports a target it has no handler for in its log), so "nothing else arrived" stays checkable.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private static readonly string[] EventNames = typeof(HubEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<(string Target, JsonElement Payload, long At)> _events = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubClient(Uri serviceAddress, string accessToken)
    {
        _connection = new HubConnectionBuilder()
            .WithUrl(new Uri(serviceAddress, "/hubs/inbox"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
            })
            .ConfigureLogging(logging => logging.AddProvider(new UnknownTargets(target => Record(target, default))))
            .Build();
        foreach (var name in EventNames)
            _connection.On(name, [typeof(JsonElement)], arguments =>
            {
                Record(name, (JsonElement)arguments[0]!);
                return Task.CompletedTask;
            });
        _connection.Closed += _ =>
        {
            _closed.TrySetResult();
            return Task.CompletedTask;
        };
    }

    public static async Task<HubClient> ConnectAsync(Uri serviceAddress, string accessToken)
    {
        var client = new HubClient(serviceAddress, accessToken);
        try
        {
            await client._connection.StartAsync();
        }
        catch
        {
            await client.DisposeAsync(); // a refused handshake (bad token, ended session) leaves nothing behind
            throw;
        }
        return client;
    }

    private void Record(string target, JsonElement payload) =>
        _events.Enqueue((target, payload, System.Diagnostics.Stopwatch.GetTimestamp()));

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>Every event received so far, in arrival order.</summary>
    public IReadOnlyList<(string Name, JsonElement Payload)> All() => _events.Select(e => (e.Target, e.Payload)).ToList();

    public IReadOnlyList<JsonElement> Received(string target) =>
        _events.Where(e => e.Target == target).Select(e => e.Payload).ToList();

    /// <summary>Every event received so far, in arrival order, with when it arrived (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public IReadOnlyList<(string Name, JsonElement Payload, long At)> Timeline() => _events.ToList();

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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var result = await _connection.InvokeCoreAsync(method, typeof(JsonElement), arguments, timeout.Token);
            return result is JsonElement element ? element : default;
        }
        catch (HubException ex)
        {
            throw new HubCallException(ex.Message);
        }
        catch (InvalidOperationException) when (_connection.State != HubConnectionState.Connected)
        {
            throw new HubCallException("connection closed");
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

public sealed class HubCallException(string message) : Exception(message);

/// <summary>Hears the SignalR client's "no handler for this target" warning and passes the target on.</summary>
internal sealed class UnknownTargets(Action<string> onTarget) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name == "MissingHandler" && state is IReadOnlyList<KeyValuePair<string, object?>> values
            && values.FirstOrDefault(v => v.Key == "Target").Value is string target)
            onTarget(target);
    }

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public void Dispose() { }
}
