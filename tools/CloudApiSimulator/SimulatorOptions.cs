namespace Inbox.CloudApiSimulator;

/// <summary>
/// Everything under the configuration section "Simulator" (environment: Simulator__...). The app secret that signs
/// webhooks is WhatsApp:AppSecret, the same key WebhookIngest verifies with.
/// </summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Where webhooks go (Meta's "Callback URL").</summary>
    public Uri WebhookUrl { get; set; } = new("http://127.0.0.1:5081/webhooks/whatsapp");

    /// <summary>The business numbers it knows, each with the access token Graph calls for it must carry.</summary>
    public List<SimulatedNumber> Numbers { get; set; } = [];

    /// <summary>
    /// The webhook version of the simulated Meta app (shapes differ: `conversation` is omitted from v24.0 on).
    /// Graph calls are accepted under any version of the form v{major}.{minor}.
    /// </summary>
    public string GraphVersion { get; set; } = "v24.0";

    /// <summary>Base of the media download URLs it hands out; by default the address the lookup came in on.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The customer-service window a customer's message opens; free-form sends outside it fail with 131047.</summary>
    public TimeSpan ServiceWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Every WhatsApp Business Account starts with the sample templates (see <see cref="TemplateStore"/>).</summary>
    public bool SampleTemplates { get; set; } = true;

    /// <summary>Seed for the random choices (traffic, jitter, duplicates), for reproducible runs; unset = random.</summary>
    public int? Seed { get; set; }

    public LimitOptions Limits { get; set; } = new();
    public StatusOptions Statuses { get; set; } = new();
    public WebhookOptions Webhooks { get; set; } = new();
    public MediaOptions Media { get; set; } = new();
    public TrafficOptions Traffic { get; set; } = new();
}

public sealed class SimulatedNumber
{
    public string PhoneNumberId { get; set; } = "";
    public string AccessToken { get; set; } = "";

    /// <summary>Digits without '+', as webhooks carry it in metadata.display_phone_number.</summary>
    public string DisplayPhoneNumber { get; set; } = "";

    /// <summary>The WhatsApp Business Account: webhook entry[].id.</summary>
    public string WabaId { get; set; } = "";

    /// <summary>The business name Meta shows for the number (GET /{phone-number-id}: verified_name).</summary>
    public string VerifiedName { get; set; } = "";
}

/// <summary>Meta's send limits; 0 turns one off.</summary>
public sealed class LimitOptions
{
    /// <summary>Messages per second per business number (Meta's default tier: 80) → 130429.</summary>
    public double MessagesPerSecond { get; set; } = 80;

    /// <summary>Messages to one customer that may be sent in a burst (Meta: 45) → 131056 beyond it.</summary>
    public int PairBurst { get; set; } = 45;

    /// <summary>How fast the pair allowance comes back: one message per interval (Meta: 6 s).</summary>
    public TimeSpan PairInterval { get; set; } = TimeSpan.FromSeconds(6);
}

/// <summary>When the status webhooks of an accepted send happen, counted from the send.</summary>
public sealed class StatusOptions
{
    public TimeSpan SentAfter { get; set; } = TimeSpan.FromMilliseconds(300);
    public TimeSpan DeliveredAfter { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReadAfter { get; set; } = TimeSpan.FromSeconds(3);
    public TimeSpan FailedAfter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Share of delivered messages the customer reads (0–1).</summary>
    public double ReadRatio { get; set; } = 1;
}

/// <summary>How webhooks are delivered.</summary>
public sealed class WebhookOptions
{
    /// <summary>Attempts per payload, the first included; anything but HTTP 200 is retried.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The first retry is immediate; then this delay, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>No retry starts later than this after the first attempt (Meta: 7 days).</summary>
    public TimeSpan MaxRetryDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>POSTs in flight at once (Meta delivers concurrently).</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Updates per POST at most (Meta: up to 1000, usually 1).</summary>
    public int BatchSize { get; set; } = 1;

    /// <summary>How long a batch waits to fill up.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Share of payloads delivered a second time, byte for byte (0–1).</summary>
    public double DuplicateRatio { get; set; }

    /// <summary>Random extra delay per update, so statuses may arrive out of order (read before delivered).</summary>
    public TimeSpan ShuffleJitter { get; set; } = TimeSpan.Zero;
}

public sealed class MediaOptions
{
    /// <summary>How long a download URL from a media lookup works (Meta: 5 minutes).</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Customer traffic: a generator at a rate, or the scripted demo conversation followed by the generator.</summary>
public sealed class TrafficOptions
{
    public bool AutoStart { get; set; }

    /// <summary>"generator" or "demo".</summary>
    public string Mode { get; set; } = "generator";

    /// <summary>Inbound messages per second, over all numbers.</summary>
    public double Rate { get; set; } = 1;

    /// <summary>Distinct customers who write (demo: at most the five demo customers).</summary>
    public int Customers { get; set; } = 10;

    /// <summary>Stop after this many messages; 0 = until stopped.</summary>
    public int MaxMessages { get; set; }

    /// <summary>Which numbers receive traffic; empty = all.</summary>
    public List<string> Numbers { get; set; } = [];

    /// <summary>Relative weights of the generated message types (set one to 0 to leave it out).</summary>
    public Dictionary<string, double> Mix { get; set; } = new()
    {
        ["text"] = 70,
        ["image"] = 10,
        ["reaction"] = 5,
        ["location"] = 5,
        ["interactive"] = 10,
    };
}
