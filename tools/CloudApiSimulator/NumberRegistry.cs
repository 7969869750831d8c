using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>The business numbers the simulator serves: those configured, plus any added through the control API.</summary>
public sealed class NumberRegistry
{
    private readonly ConcurrentDictionary<string, SimulatedNumber> _numbers = new(StringComparer.Ordinal);

    public NumberRegistry(IOptions<SimulatorOptions> options)
    {
        foreach (var number in options.Value.Numbers) Add(number);
    }

    public IReadOnlyList<SimulatedNumber> All => _numbers.Values.OrderBy(n => n.PhoneNumberId, StringComparer.Ordinal).ToList();

    public SimulatedNumber? Find(string phoneNumberId) => _numbers.GetValueOrDefault(phoneNumberId);

    /// <summary>
    /// Adds or replaces a number with the token that owns it (Graph calls for it must carry that token); a missing
    /// display number, WABA id or verified name is made up from the id.
    /// </summary>
    public SimulatedNumber Add(SimulatedNumber number)
    {
        if (string.IsNullOrWhiteSpace(number.PhoneNumberId) || !number.PhoneNumberId.All(char.IsAsciiDigit))
            throw new ArgumentException($"A number needs a numeric PhoneNumberId (got '{number.PhoneNumberId}').");
        if (string.IsNullOrEmpty(number.AccessToken))
            throw new ArgumentException($"Number {number.PhoneNumberId} needs an AccessToken.");
        var id = number.PhoneNumberId;
        var normalized = new SimulatedNumber
        {
            PhoneNumberId = id,
            AccessToken = number.AccessToken,
            DisplayPhoneNumber = string.IsNullOrEmpty(number.DisplayPhoneNumber)
                ? "1555" + id[^Math.Min(7, id.Length)..].PadLeft(7, '0')
                : number.DisplayPhoneNumber.TrimStart('+'),
            WabaId = string.IsNullOrEmpty(number.WabaId) ? "2" + id[1..] : number.WabaId,
            VerifiedName = string.IsNullOrEmpty(number.VerifiedName) ? $"Simulated Business {id[^Math.Min(4, id.Length)..]}" : number.VerifiedName,
        };
        _numbers[id] = normalized;
        return normalized;
    }

    /// <summary>Whether some number is reached with this token (a real but wrong token is a permission error, not 190).</summary>
    public bool IsKnownToken(string token) => _numbers.Values.Any(n => TokenEquals(n.AccessToken, token));

    public static bool TokenEquals(string expected, string? actual) =>
        actual is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    /// <summary>The token of "Authorization: Bearer …", or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>
    /// The number a Graph call acts for, if the bearer token is that number's: no or unknown token is 190; a token
    /// of another number, or a number that does not exist, is Meta's "object does not exist or missing permissions".
    /// </summary>
    public (SimulatedNumber? Number, GraphError? Error) Authorize(HttpRequest request, string phoneNumberId, string method)
    {
        var token = BearerToken(request);
        if (token is null || !IsKnownToken(token)) return (null, GraphError.InvalidToken());
        var number = Find(phoneNumberId);
        if (number is null || !TokenEquals(number.AccessToken, token))
            return (null, GraphError.UnknownObject(phoneNumberId, method));
        return (number, null);
    }
}
