namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// Webhook items written from the documented shapes (Fixtures/messages, Fixtures/statuses), with placeholders
/// ($WAMID, $FROM, $TARGET, $BSUID, $NEWWAID) filled per test. Raw text, escapes and all, exactly as posted.
/// </summary>
public static class Fixtures
{
    public static string Message(string name, IReadOnlyDictionary<string, string> values) => Load("messages", name, values);

    public static string Status(string name, IReadOnlyDictionary<string, string> values) => Load("statuses", name, values);

    private static string Load(string folder, string name, IReadOnlyDictionary<string, string> values)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, name + ".json")).Trim();
        foreach (var (key, value) in values.OrderByDescending(v => v.Key.Length)) text = text.Replace(key, value, StringComparison.Ordinal);
        return text;
    }

    /// <summary>One "messages" change for a number, raw: contacts, messages and statuses as given.</summary>
    public static string Change(string phoneNumberId, string? contactsJson = null, IEnumerable<string>? messages = null,
        IEnumerable<string>? statuses = null)
    {
        var parts = new List<string>
        {
            "\"messaging_product\":\"whatsapp\"",
            $"\"metadata\":{{\"display_phone_number\":\"15550001111\",\"phone_number_id\":\"{phoneNumberId}\"}}",
        };
        if (contactsJson is not null) parts.Add($"\"contacts\":{contactsJson}");
        if (messages is not null) parts.Add($"\"messages\":[{string.Join(',', messages)}]");
        if (statuses is not null) parts.Add($"\"statuses\":[{string.Join(',', statuses)}]");
        return $"{{\"field\":\"messages\",\"value\":{{{string.Join(',', parts)}}}}}";
    }

    /// <summary>An envelope; each inner array is one entry's changes.</summary>
    public static string Envelope(params string[][] entries) =>
        "{\"object\":\"whatsapp_business_account\",\"entry\":[" +
        string.Join(',', entries.Select((changes, i) => $"{{\"id\":\"waba-{i}\",\"changes\":[{string.Join(',', changes)}]}}")) + "]}";

    public static Dictionary<string, string> With(this Dictionary<string, string> values, string key, string value)
    {
        values[key] = value;
        return values;
    }

    public static string Contact(string waId, string name) => $"[{{\"profile\":{{\"name\":\"{name}\"}},\"wa_id\":\"{waId}\"}}]";
}
