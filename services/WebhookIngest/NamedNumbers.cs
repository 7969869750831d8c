using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.WebhookIngest;

/// <summary>
/// The distinct phone_number_ids an envelope names (digits only, a few at most) — read from a body whose signature
/// may not be checked yet, so only to pick the number's health row or its own app's secret, never to store anything.
/// </summary>
public static class NamedNumbers
{
    private const int MaxNumbers = 10;

    public static string[] Of(JsonElement root)
    {
        try
        {
            return WebhookEnvelope.Changes(root).Select(c => c.PhoneNumberId)
                .Where(id => id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiDigit)).Distinct().Take(MaxNumbers).ToArray()!;
        }
        catch (InvalidOperationException)
        {
            return []; // a shape the walker does not know
        }
    }

    /// <summary>The numbers of a body that may not be JSON at all.</summary>
    public static string[] Of(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return Of(document.RootElement);
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
