using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>How a traffic run goes; unset values come from Simulator:Traffic.</summary>
public sealed record TrafficSettings(
    string Mode,
    double Rate,
    int Customers,
    int MaxMessages,
    IReadOnlyList<string> Numbers,
    IReadOnlyDictionary<string, double> Mix);

public sealed record TrafficState(bool Running, TrafficSettings? Settings, long Generated, long GeneratedThisRun);

/// <summary>
/// Customer traffic at a chosen rate: in "generator" mode random customers send random types (by Mix weights) to
/// the numbers in turn; in "demo" mode the demo customers play <see cref="DemoScript"/> first and then go on at
/// random. Starts with the app when Simulator:Traffic:AutoStart is true; the control API starts and stops it.
/// </summary>
public sealed class TrafficGenerator(
    InboundTraffic inbound,
    NumberRegistry numbers,
    SimulatorRandom random,
    TimeProvider clock,
    IOptions<SimulatorOptions> options,
    ILogger<TrafficGenerator> logger) : IHostedService, IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _run;
    private Task _running = Task.CompletedTask;
    private TrafficSettings? _settings;
    private long _generated;
    private long _generatedThisRun;

    public TrafficState State
    {
        get
        {
            lock (_lock)
                return new TrafficState(!_running.IsCompleted, _settings, Interlocked.Read(ref _generated),
                    Interlocked.Read(ref _generatedThisRun));
        }
    }

    /// <summary>The configured defaults (Simulator:Traffic), each overridable per run.</summary>
    public TrafficSettings Defaults(string? mode = null, double? rate = null, int? customers = null, int? maxMessages = null,
        IReadOnlyList<string>? numbersFilter = null, IReadOnlyDictionary<string, double>? mix = null)
    {
        var traffic = options.Value.Traffic;
        return new TrafficSettings(
            mode ?? traffic.Mode,
            rate ?? traffic.Rate,
            customers ?? traffic.Customers,
            maxMessages ?? traffic.MaxMessages,
            numbersFilter ?? traffic.Numbers,
            mix ?? traffic.Mix);
    }

    public async Task<TrafficState> StartAsync(TrafficSettings settings)
    {
        if (settings.Mode is not ("generator" or "demo")) throw new ArgumentException("Mode must be 'generator' or 'demo'.");
        if (!(settings.Rate > 0) || settings.Rate > 100_000) throw new ArgumentException("Rate must be between 0 and 100000 messages per second.");
        if (settings.Customers < 1) throw new ArgumentException("Customers must be at least 1.");
        if (settings.MaxMessages < 0) throw new ArgumentException("MaxMessages cannot be negative.");
        await StopAsync();
        lock (_lock)
        {
            _settings = settings;
            _run = new CancellationTokenSource();
            Interlocked.Exchange(ref _generatedThisRun, 0);
            var token = _run.Token;
            _running = Task.Run(() => RunAsync(settings, token), CancellationToken.None);
        }
        logger.LogInformation("Traffic started: {Mode} at {Rate}/s from {Customers} customers", settings.Mode, settings.Rate, settings.Customers);
        return State;
    }

    public async Task<TrafficState> StopAsync()
    {
        Task running;
        lock (_lock)
        {
            _run?.Cancel();
            running = _running;
        }
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_lock)
        {
            _run?.Dispose();
            _run = null;
        }
        return State;
    }

    private async Task RunAsync(TrafficSettings settings, CancellationToken cancellationToken)
    {
        var demo = settings.Mode == "demo";
        var customers = demo
            ? DemoScript.Customers.Take(Math.Min(settings.Customers, DemoScript.Customers.Count)).ToList()
            : Enumerable.Range(0, settings.Customers).Select(InboundTraffic.GeneratedCustomer).ToList();
        var script = demo ? DemoScript.Lines.Where(l => l.Customer < customers.Count).ToList() : [];
        var started = clock.GetTimestamp();
        long sent = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested && (settings.MaxMessages == 0 || sent < settings.MaxMessages))
            {
                var targets = Targets(settings);
                if (targets.Count == 0)
                {
                    // No number to write to (yet): wait for one, and resume at the rate rather than catching up.
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
                    started = clock.GetTimestamp() - (long)(sent / settings.Rate * clock.TimestampFrequency);
                    continue;
                }
                // Everything due by now goes out (at high rates several per wake-up), then sleep until the next one.
                var due = (long)(clock.GetElapsedTime(started).TotalSeconds * settings.Rate) + 1;
                while (sent < due && (settings.MaxMessages == 0 || sent < settings.MaxMessages))
                {
                    var number = targets[(int)(sent % targets.Count)];
                    if (sent < script.Count)
                    {
                        var line = script[(int)sent];
                        inbound.Send(number, customers[line.Customer], line.Type, line.Text);
                    }
                    else
                    {
                        inbound.Send(number, random.Pick(customers), random.Weighted(settings.Mix) ?? "text");
                    }
                    sent++;
                    Interlocked.Increment(ref _generated);
                    Interlocked.Increment(ref _generatedThisRun);
                }
                var next = TimeSpan.FromSeconds(sent / settings.Rate) - clock.GetElapsedTime(started);
                await Task.Delay(next > TimeSpan.FromMilliseconds(1) ? next : TimeSpan.FromMilliseconds(1), clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Traffic stopped by an error");
        }
    }

    private List<SimulatedNumber> Targets(TrafficSettings settings) =>
        settings.Numbers.Count == 0
            ? numbers.All.ToList()
            : settings.Numbers.Select(numbers.Find).OfType<SimulatedNumber>().ToList();

    Task IHostedService.StartAsync(CancellationToken cancellationToken) =>
        options.Value.Traffic.AutoStart ? StartAsync(Defaults()) : Task.CompletedTask;

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => StopAsync();

    public void Dispose()
    {
        lock (_lock) _run?.Dispose();
    }
}
