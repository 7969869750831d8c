using System.Collections.Concurrent;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Every id the simulator produced and what became of it, for the benchmark to reconcile against: each webhook
/// item (a customer message, or one status of one send) with its delivery attempts and whether a 200 came back,
/// each send it accepted with the furthest status it reached (and the uploaded media id it named), each media
/// upload (so a test can tell a file was uploaded once), and each mark-as-read with whether it showed the customer
/// "typing…".
/// </summary>
public sealed class DeliveryLedger(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, WebhookItem> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<WebhookItem> _itemOrder = new();
    private readonly ConcurrentDictionary<string, AcceptedSend> _sends = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AcceptedSend> _sendOrder = new();
    private readonly ConcurrentQueue<Upload> _uploads = new();
    private readonly ConcurrentDictionary<int, int> _rejected = new();
    private readonly ConcurrentQueue<ReadMark> _readMarkOrder = new();
    private long _readMarks;
    private long _typingIndicators;
    private long _posts;

    /// <summary>
    /// One update carried by webhooks: kind "message" (inbound, id = its wamid), "status" (id = the send's wamid) or
    /// "template" (a template's status change, id = the template's id).
    /// </summary>
    public sealed class WebhookItem
    {
        public required string Kind { get; init; }
        public required string Id { get; init; }
        public string? Status { get; init; }
        public required string PhoneNumberId { get; init; }
        public string? Customer { get; init; }
        public string? Type { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public int Attempts { get; set; }
        public int Deliveries { get; set; }
        public bool Acknowledged { get; set; }
        public DateTimeOffset? AcknowledgedAt { get; set; }
        public int? LastHttpStatus { get; set; }
        public string? LastError { get; set; }
        public bool GaveUp { get; set; }
    }

    public sealed class AcceptedSend
    {
        public required string Id { get; init; }
        public required string PhoneNumberId { get; init; }
        public required string To { get; init; }
        public string? WaId { get; init; }
        public required string Type { get; init; }

        /// <summary>The uploaded media id a media message was sent by (null for a link or another type).</summary>
        public string? MediaId { get; init; }
        public DateTimeOffset AcceptedAt { get; init; }
        public string Status { get; set; } = "accepted";
        public int? ErrorCode { get; set; }
    }

    /// <summary>Starts tracking an item; the same item tracked twice (an injected duplicate) is one entry.</summary>
    public WebhookItem Track(string kind, string id, string? status, string phoneNumberId, string? customer, string? type)
    {
        var key = status is null ? $"{kind}:{id}" : $"{kind}:{id}:{status}";
        var created = false;
        var item = _items.GetOrAdd(key, _ =>
        {
            created = true;
            return new WebhookItem
            {
                Kind = kind, Id = id, Status = status, PhoneNumberId = phoneNumberId, Customer = customer, Type = type,
                CreatedAt = clock.GetUtcNow(),
            };
        });
        if (created) _itemOrder.Enqueue(item);
        return item;
    }

    /// <summary>One POST carrying these items was answered (status code) or failed (null, with the error).</summary>
    public void RecordAttempt(IReadOnlyList<WebhookItem> items, int? httpStatus, string? error, bool firstOfDelivery)
    {
        Interlocked.Increment(ref _posts);
        var now = clock.GetUtcNow();
        foreach (var item in items)
            lock (item)
            {
                item.Attempts++;
                if (firstOfDelivery) item.Deliveries++;
                item.LastHttpStatus = httpStatus;
                item.LastError = error;
                if (httpStatus == StatusCodes.Status200OK && !item.Acknowledged)
                {
                    item.Acknowledged = true;
                    item.AcknowledgedAt = now;
                }
            }
    }

    public void RecordGaveUp(IReadOnlyList<WebhookItem> items)
    {
        foreach (var item in items)
            lock (item)
                if (!item.Acknowledged) item.GaveUp = true;
    }

    public void RecordSend(AcceptedSend send)
    {
        if (_sends.TryAdd(send.Id, send)) _sendOrder.Enqueue(send);
    }

    /// <summary>Moves a send forward (sent &lt; delivered &lt; read); failed overrides only accepted and sent.</summary>
    public void RecordSendStatus(string wamid, string status, int? errorCode = null)
    {
        if (!_sends.TryGetValue(wamid, out var send)) return;
        lock (send)
        {
            if (status == "failed")
            {
                if (Rank(send.Status) <= Rank("sent"))
                {
                    send.Status = status;
                    send.ErrorCode = errorCode;
                }
            }
            else if (Rank(status) > Rank(send.Status)) send.Status = status;
        }
    }

    private static int Rank(string status) => status switch
    {
        "accepted" => 0, "sent" => 1, "delivered" => 2, "read" => 3, _ => -1,
    };

    /// <summary>A business uploaded a file (POST /{phone-number-id}/media).</summary>
    public sealed record Upload(string Id, string PhoneNumberId, string MimeType, long Size, string Sha256, string? FileName, DateTimeOffset At);

    public void RecordUpload(MediaAsset asset) =>
        _uploads.Enqueue(new Upload(asset.Id, asset.OwnerPhoneNumberId, asset.MimeType, asset.Bytes.LongLength, asset.Sha256Hex,
            asset.FileName, clock.GetUtcNow()));

    public void RecordRejected(int code) => _rejected.AddOrUpdate(code, 1, (_, n) => n + 1);

    /// <summary>A business marked a customer's message read (POST /{phone-number-id}/messages with status "read").</summary>
    public sealed record ReadMark(string PhoneNumberId, string MessageId, bool TypingIndicator, DateTimeOffset At);

    public void RecordReadMark(string phoneNumberId, string messageId, bool typingIndicator)
    {
        _readMarkOrder.Enqueue(new ReadMark(phoneNumberId, messageId, typingIndicator, clock.GetUtcNow()));
        Interlocked.Increment(ref _readMarks);
        if (typingIndicator) Interlocked.Increment(ref _typingIndicators);
    }

    public void Clear()
    {
        _items.Clear();
        _itemOrder.Clear();
        _sends.Clear();
        _sendOrder.Clear();
        _uploads.Clear();
        _rejected.Clear();
        _readMarkOrder.Clear();
        Interlocked.Exchange(ref _readMarks, 0);
        Interlocked.Exchange(ref _typingIndicators, 0);
        Interlocked.Exchange(ref _posts, 0);
    }

    public object Report(bool withItems)
    {
        var items = _itemOrder.ToArray();
        var sends = _sendOrder.ToArray();
        var uploads = _uploads.ToArray();
        object Summary(IEnumerable<WebhookItem> selection)
        {
            var list = selection.ToList();
            return new
            {
                total = list.Count,
                acknowledged = list.Count(i => i.Acknowledged),
                pending = list.Count(i => !i.Acknowledged && !i.GaveUp),
                gaveUp = list.Count(i => i.GaveUp),
                attempts = list.Sum(i => i.Attempts),
            };
        }
        return new
        {
            summary = new
            {
                inbound = Summary(items.Where(i => i.Kind == "message")),
                statuses = Summary(items.Where(i => i.Kind == "status")),
                templateStatuses = Summary(items.Where(i => i.Kind == "template")),
                webhookPosts = Interlocked.Read(ref _posts),
                sends = new
                {
                    accepted = sends.Length,
                    byStatus = sends.GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.Count()),
                    rejected = _rejected.ToDictionary(r => r.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), r => r.Value),
                },
                uploads = uploads.Length,
                readMarks = Interlocked.Read(ref _readMarks),
                typingIndicators = Interlocked.Read(ref _typingIndicators),
            },
            inbound = withItems ? items.Where(i => i.Kind == "message").Select(Describe).ToList() : null,
            statuses = withItems ? items.Where(i => i.Kind == "status").Select(Describe).ToList() : null,
            templateStatuses = withItems ? items.Where(i => i.Kind == "template").Select(Describe).ToList() : null,
            sends = withItems ? sends.Select(s => new { s.Id, s.PhoneNumberId, s.To, s.WaId, s.Type, s.MediaId, s.AcceptedAt, s.Status, s.ErrorCode }).ToList() : null,
            uploads = withItems ? uploads : null,
            readMarks = withItems ? _readMarkOrder.ToArray() : null,
        };
    }

    private static object Describe(WebhookItem i)
    {
        lock (i)
            return new
            {
                i.Id, i.Status, i.PhoneNumberId, i.Customer, i.Type, i.CreatedAt, i.Attempts, i.Deliveries,
                i.Acknowledged, i.AcknowledgedAt, i.LastHttpStatus, i.LastError, i.GaveUp,
            };
    }
}
