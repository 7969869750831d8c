using System.Security.Cryptography;
using System.Text;
using Inbox.Data;
using Inbox.WhatsApp;
using Npgsql;

namespace Inbox.WebhookIngest;

/// <summary>
/// Numbers connected through their tenant's own Meta app, whose webhooks are signed with that app's secret rather
/// than the deployment's. A webhook that the deployment's secret does not verify is accepted only when the secret of
/// every number it names verifies it: one tenant's app secret can never vouch for another tenant's number.
/// </summary>
public sealed class ChannelOwnApps(NpgsqlDataSource dataSource, SecretProtector secrets, ILogger<ChannelOwnApps> logger)
{
    /// <summary>True when every number the body names has an app secret of its own and each one verifies the signature.</summary>
    public async Task<bool> SignedByTheNumbersOwnAppAsync(string[] numbers, byte[] body, string signature, CancellationToken cancellationToken)
    {
        if (numbers.Length == 0 || string.IsNullOrEmpty(signature)) return false;

        var sealedSecrets = new Dictionary<string, byte[]>();
        await using (var command = dataSource.CreateCommand("select phone_number_id, app_secret_encrypted from channel_app_secrets($1)"))
        {
            command.Parameters.Add(new() { Value = numbers });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(1)) sealedSecrets[reader.GetString(0)] = (byte[])reader[1];
        }
        return numbers.All(number => sealedSecrets.TryGetValue(number, out var sealedSecret)
                                     && Open(sealedSecret) is { } secret
                                     && WebhookSignature.IsValid(body, signature, [Encoding.UTF8.GetBytes(secret)]));
    }

    /// <summary>True when the token is the verify token of an active number (Meta's handshake names no number).</summary>
    public async Task<bool> IsVerifyTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length == 0) return false;
        var presented = Encoding.UTF8.GetBytes(token);
        var matches = false;
        await using var command = dataSource.CreateCommand("select * from channel_verify_tokens()");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            matches |= Open((byte[])reader[0]) is { } stored
                       && CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(stored));
        return matches;
    }

    private string? Open(byte[] sealedValue)
    {
        try
        {
            return secrets.Unprotect(sealedValue);
        }
        catch (CryptographicException ex)
        {
            logger.LogWarning(ex, "A number's sealed secret does not open with Secrets:Key");
            return null;
        }
    }
}
