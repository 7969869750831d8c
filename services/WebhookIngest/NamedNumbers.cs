using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.WebhookIngest;

/// <summary>
/// The distinct phone_number_ids an envelope names, read the way the ingestor reads them (<see cref="WebhookEnvelope"/>).
/// From a body whose signature may not be checked yet: only to find the numbers' own app secrets or health rows,
/// never to store anything.
/// </summary>
public static class NamedNumbers
{
    /// <summary>Every distinct number named, each as the ingestor would route it (empty for a shape it does not know).</summary>
    public static string[] All(JsonElement root)
    {
        try
        {
            return WebhookEnvelope.Changes(root).Select(c => c.PhoneNumberId)
                .Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToArray()!;
        }
        catch (InvalidOperationException)
        {
            return []; // a shape the walker does not know
        }
    }

    /// <summary>The numbers of a body that may not be JSON at all.</summary>
    public static string[] All(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return All(document.RootElement);
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>A few plausible numbers (digits only) of an untrusted body, for its numbers' health rows.</summary>
    public static string[] ForHealth(string[] numbers) =>
        numbers.Where(id => id.Length <= 64 && id.All(char.IsAsciiDigit)).Take(10).ToArray();
}
