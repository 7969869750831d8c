using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inbox.Api.Contacts;

/// <summary>
/// A contact's attributes: the tenant's own key/value pairs (plan = gold, customer_no = 4711), shown and edited in
/// the contact panel. A PATCH merges (RFC 7396, one level): a value sets its key, null removes it, keys not named stay
/// — so two agents editing different attributes never undo each other. Keys are names, not text: letters, digits and
/// _ . - (from a letter or digit), at most 64 characters; values are text (at most 500 characters), numbers or
/// true/false; a contact has at most 50.
/// </summary>
public static partial class ContactAttributes
{
    public const string Field = "attributes";
    public const int MaxCount = 50;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 500;

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N}_.\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    /// <summary>Checks a patch's shape, naming each bad key or value under <see cref="Field"/>.</summary>
    public static Validation CheckPatch(this Validation validation, JsonElement patch)
    {
        if (patch.ValueKind == JsonValueKind.Undefined) return validation;
        if (patch.ValueKind != JsonValueKind.Object)
            return validation.Add(Field, "An object of attributes: a value sets one, null removes it.");
        var count = 0;
        foreach (var attribute in patch.EnumerateObject())
        {
            if (++count > MaxCount) return validation.Add(Field, $"At most {MaxCount} attributes.");
            var key = attribute.Name;
            if (key.Length is 0 or > MaxKeyLength || !KeyPattern().IsMatch(key))
            {
                validation.Add(Field, $"\"{Shorten(key)}\" is not a key: 1 to {MaxKeyLength} letters, digits, _ . or -, starting with a letter or digit.");
                continue;
            }
            var value = attribute.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False:
                    break;
                case JsonValueKind.Number:
                    if (value.GetRawText().Length > MaxValueLength) validation.Add(Field, $"{key}: a number of at most {MaxValueLength} digits.");
                    break;
                case JsonValueKind.String:
                    var text = value.GetString()!;
                    if (string.IsNullOrWhiteSpace(text)) validation.Add(Field, $"{key}: empty; null removes an attribute.");
                    else if (text.Length > MaxValueLength) validation.Add(Field, $"{key}: at most {MaxValueLength} characters.");
                    else if (text.Contains('\0')) validation.Add(Field, $"{key}: no NUL characters.");
                    break;
                default:
                    validation.Add(Field, $"{key}: text, a number, true or false (or null to remove it).");
                    break;
            }
        }
        return validation;
    }

    /// <summary>
    /// The stored attributes with a checked patch applied (JSON text), or null when the result would have more than
    /// <see cref="MaxCount"/>.
    /// </summary>
    public static string? Merge(string stored, JsonElement patch)
    {
        var attributes = JsonNode.Parse(stored) as JsonObject ?? [];
        foreach (var attribute in patch.EnumerateObject())
        {
            if (attribute.Value.ValueKind == JsonValueKind.Null) attributes.Remove(attribute.Name);
            else attributes[attribute.Name] = JsonNode.Parse(attribute.Value.GetRawText());
        }
        return attributes.Count > MaxCount ? null : attributes.ToJsonString();
    }

    private static string Shorten(string key) => key.Length <= 40 ? key : key[..40] + "…";
}
