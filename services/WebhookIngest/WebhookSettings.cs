using System.Text;

namespace Inbox.WebhookIngest;

/// <summary>
/// WhatsApp:AppSecret signs every webhook (one per Meta app, not per tenant); WhatsApp:PreviousAppSecret is
/// also accepted while an app-secret reset rolls out. WhatsApp:VerifyToken answers the GET handshake.
/// </summary>
public sealed class WebhookSettings
{
    /// <summary>Meta sends at most 3 MB per POST.</summary>
    public const int MaxBodyBytes = 3 * 1024 * 1024;

    public required IReadOnlyList<byte[]> AppSecrets { get; init; }
    public required string VerifyToken { get; init; }

    public static WebhookSettings From(IConfiguration configuration)
    {
        var secrets = new[] { configuration["WhatsApp:AppSecret"], configuration["WhatsApp:PreviousAppSecret"] }
            .Where(s => !string.IsNullOrEmpty(s))
            .Select(s => Encoding.UTF8.GetBytes(s!))
            .ToList();
        if (secrets.Count == 0) throw new InvalidOperationException("WhatsApp:AppSecret is not configured.");
        return new WebhookSettings
        {
            AppSecrets = secrets,
            VerifyToken = configuration["WhatsApp:VerifyToken"]
                ?? throw new InvalidOperationException("WhatsApp:VerifyToken is not configured."),
        };
    }
}
