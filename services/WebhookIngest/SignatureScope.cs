namespace Inbox.WebhookIngest;

/// <summary>
/// The numbers a verified webhook may write to. The deployment's app secret signs for every number; a number's own
/// app secret signs for that number alone. The ingestor checks every change against it, so no way of naming a number
/// in a body (however many changes, however repeated) reaches a number its signer does not own.
/// </summary>
public sealed class SignatureScope
{
    private readonly IReadOnlySet<string>? _numbers;

    private SignatureScope(IReadOnlySet<string>? numbers) => _numbers = numbers;

    /// <summary>Signed with the deployment's app secret (Meta's webhooks for the platform's own app).</summary>
    public static SignatureScope AnyNumber { get; } = new(null);

    /// <summary>Signed with the own app secret of each of these numbers.</summary>
    public static SignatureScope OnlyNumbers(IEnumerable<string> numbers) => new(numbers.ToHashSet(StringComparer.Ordinal));

    public bool Allows(string? phoneNumberId) =>
        _numbers is null || (phoneNumberId is not null && _numbers.Contains(phoneNumberId));
}
