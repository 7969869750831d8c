using System.Collections.Concurrent;
using System.Text.Json;
using Inbox.WhatsApp;
using Npgsql;

namespace Inbox.WebhookIngest;

/// <summary>
/// Per-number health for the admins' channel view: when a number last got a webhook, and how many webhooks
/// naming it failed the signature check. Recorded outside the envelope's transaction (through SECURITY DEFINER
/// functions, a number's tenant being unknown or untrusted here), and never allowed to change the answer to Meta.
/// </summary>
public sealed class ChannelHealthRecorder(NpgsqlDataSource dataSource, ILogger<ChannelHealthRecorder> logger)
{
    // "Last webhook" is a health signal, not a log: writing it for every webhook would put one hot row update on
    // each number's busiest path (a thousand a second under load). Once per number per interval is enough.
    private static readonly long RecordInterval = TimeSpan.FromSeconds(5).Ticks;
    private readonly ConcurrentDictionary<string, long> _lastRecorded = new();

    /// <summary>After a stored envelope: every number it named got a webhook now (a disabled one too).</summary>
    public async Task WebhookSeenAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow.Ticks;
        var numbers = NamedNumbers.ForHealth(NamedNumbers.All(root)).Where(number => IsDue(number, now)).ToArray();
        if (numbers.Length == 0) return;
        try
        {
            await using var command = dataSource.CreateCommand("select channel_webhook_seen($1)");
            command.Parameters.Add(new() { Value = numbers });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not record the last webhook time of {Numbers}", string.Join(", ", numbers));
        }
    }

    /// <summary>
    /// A webhook whose signature failed: the phone_number_ids its body names (<see cref="NamedNumbers"/>) are used
    /// only to count the failure against those numbers (the body is not trusted, not stored, not processed).
    /// Unknown numbers count nowhere.
    /// </summary>
    public async Task SignatureFailedAsync(string[] numbers, CancellationToken cancellationToken)
    {
        foreach (var number in numbers)
        {
            try
            {
                await using var command = dataSource.CreateCommand("select channel_signature_failed($1)");
                command.Parameters.Add(new() { Value = number });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not count a signature failure for {Number}", number);
                return;
            }
        }
    }

    /// <summary>True for the one caller that moves the number's last record time forward this interval.</summary>
    private bool IsDue(string number, long now)
    {
        var last = _lastRecorded.GetOrAdd(number, 0L);
        return now - last >= RecordInterval && _lastRecorded.TryUpdate(number, now, last);
    }
}
