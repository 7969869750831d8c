using System.Data.Common;
using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.WebhookIngest;

/// <summary>
/// Who signed a webhook, and so which numbers it may write to (<see cref="SignatureScope"/>): the deployment's app
/// secret, or the own app secret of every number the body names. Used on receipt and again on replay, so an envelope
/// kept in the ledger is never routed further than its signature reaches.
/// </summary>
public sealed class WebhookAuthentication(WebhookSettings settings, ChannelOwnApps ownApps, ILogger<WebhookAuthentication> logger)
{
    /// <summary>One app's webhook names the numbers of one business account: far fewer than this.</summary>
    public const int MaxOwnAppNumbers = 100;

    /// <summary>The scope the signature grants, or null when it verifies for nothing.</summary>
    public async Task<SignatureScope?> VerifyAsync(byte[] body, string signature, CancellationToken cancellationToken) =>
        SignedByDeployment(body, signature) ? SignatureScope.AnyNumber : await SignedByOwnAppsAsync(body, signature, cancellationToken);

    /// <summary>Signed with the deployment's app secret: an HMAC, nothing parsed or looked up.</summary>
    public bool SignedByDeployment(byte[] body, string signature) => WebhookSignature.IsValid(body, signature, settings.AppSecrets);

    /// <summary>The numbers' own apps' scope: parses the body and looks up their secrets.</summary>
    public async Task<SignatureScope?> SignedByOwnAppsAsync(byte[] body, string signature, CancellationToken cancellationToken)
    {
        var numbers = NamedNumbers.All(body);
        if (numbers.Length is 0 or > MaxOwnAppNumbers) return null;
        try
        {
            return await ownApps.SignedByTheNumbersOwnAppAsync(numbers, body, signature, cancellationToken)
                ? SignatureScope.OnlyNumbers(numbers)
                : null;
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            // If the database cannot say, refuse as a bad signature would be: Meta retries anything but a 200.
            logger.LogWarning(ex, "Could not look up the app secrets of the numbers a webhook names");
            return null;
        }
    }
}
