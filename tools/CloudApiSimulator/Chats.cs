using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>A WhatsApp user the simulator speaks for: phone (wa_id), business-scoped user id and profile name.</summary>
public sealed record Customer(string WaId, string Bsuid, string Name);

/// <summary>
/// What the simulator remembers of each chat between a business number and a customer: when the customer last
/// wrote (the 24-hour customer-service window) and the last messages on either side (for reactions and replies).
/// </summary>
public sealed class Chats(TimeProvider clock, IOptions<SimulatorOptions> options)
{
    private readonly ConcurrentDictionary<string, Customer> _byWaId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Customer> _byBsuid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Number, string WaId), Chat> _chats = new();

    public sealed class Chat
    {
        public DateTimeOffset? LastInboundAt { get; set; }
        public string? LastInboundWamid { get; set; }
        public string? LastBusinessWamid { get; set; }
        public string? LastInteractiveWamid { get; set; }
    }

    public Customer Remember(Customer customer)
    {
        _byWaId[customer.WaId] = customer;
        _byBsuid[customer.Bsuid] = customer;
        return customer;
    }

    public Customer? FindByWaId(string waId) => _byWaId.GetValueOrDefault(waId);

    public Customer? FindByBsuid(string bsuid) => _byBsuid.GetValueOrDefault(bsuid);

    /// <summary>A customer wrote to the number: the customer-service window opens (or restarts) at <paramref name="at"/>.</summary>
    public void RecordInbound(string phoneNumberId, string waId, string wamid, DateTimeOffset at)
    {
        var chat = _chats.GetOrAdd((phoneNumberId, waId), _ => new Chat());
        lock (chat)
        {
            if (chat.LastInboundAt is null || at >= chat.LastInboundAt)
            {
                chat.LastInboundAt = at;
                chat.LastInboundWamid = wamid;
            }
        }
    }

    public void RecordBusinessMessage(string phoneNumberId, string waId, string wamid, bool interactive)
    {
        var chat = _chats.GetOrAdd((phoneNumberId, waId), _ => new Chat());
        lock (chat)
        {
            chat.LastBusinessWamid = wamid;
            if (interactive) chat.LastInteractiveWamid = wamid;
        }
    }

    public bool IsWindowOpen(string phoneNumberId, string waId) =>
        _chats.TryGetValue((phoneNumberId, waId), out var chat)
        && chat.LastInboundAt is { } last
        && clock.GetUtcNow() - last < options.Value.ServiceWindow;

    /// <summary>A copy of the chat's state (empty when they never spoke).</summary>
    public Chat Find(string phoneNumberId, string waId)
    {
        if (!_chats.TryGetValue((phoneNumberId, waId), out var chat)) return new Chat();
        lock (chat)
            return new Chat
            {
                LastInboundAt = chat.LastInboundAt,
                LastInboundWamid = chat.LastInboundWamid,
                LastBusinessWamid = chat.LastBusinessWamid,
                LastInteractiveWamid = chat.LastInteractiveWamid,
            };
    }
}
