namespace Inbox.CloudApiSimulator;

/// <summary>
/// "Make the next N sends fail with code C": a queue of failure plans, consumed one send at a time (first matching
/// plan first). Codes Meta reports after accepting a send (131047, 131026, …) are accepted and then fail with a
/// `failed` status webhook; all others are answered at once with the Graph error envelope. A send or media plan may
/// also hold its answer back (Delay), to play a slow or hanging Meta.
/// </summary>
public sealed class FailureInjector
{
    private readonly Lock _lock = new();
    private readonly List<FailurePlan> _plans = [];

    public sealed class FailurePlan
    {
        public required int Code { get; init; }
        public required int Remaining { get; set; }
        public string? PhoneNumberId { get; init; }
        public string? WabaId { get; init; }
        public int? HttpStatus { get; init; }
        public string? Details { get; init; }

        /// <summary>Accept the send, then report the failure in a status webhook.</summary>
        public bool Asynchronous { get; init; }

        /// <summary>
        /// What fails: "send" (POST …/messages, the default), "media" (a media id lookup), "upload" (POST …/media),
        /// "number" (GET /{phone-number-id}) or "templates" (GET /{waba-id}/message_templates, of the account
        /// <see cref="WabaId"/> or any).
        /// </summary>
        public string Operation { get; init; } = Send;

        /// <summary>
        /// Sends and media look-ups: the answer comes after this long, then with Code's error or normally (Code 0). A
        /// delayed send goes ahead even when its caller gave up waiting (Meta cannot tell); a delayed look-up ends with its caller.
        /// </summary>
        public TimeSpan? Delay { get; init; }
    }

    public const string Send = "send";
    public const string Media = "media";
    public const string Upload = "upload";
    public const string Number = "number";
    public const string Templates = "templates";

    public void Add(FailurePlan plan)
    {
        lock (_lock) _plans.Add(plan);
    }

    public void Clear()
    {
        lock (_lock) _plans.Clear();
    }

    public IReadOnlyList<FailurePlan> Pending
    {
        get
        {
            lock (_lock)
                return _plans.Select(p => new FailurePlan
                {
                    Code = p.Code, Remaining = p.Remaining, PhoneNumberId = p.PhoneNumberId, WabaId = p.WabaId, HttpStatus = p.HttpStatus,
                    Details = p.Details, Asynchronous = p.Asynchronous, Operation = p.Operation, Delay = p.Delay,
                }).ToList();
        }
    }

    /// <summary>
    /// The plan this send (or media lookup, upload or number lookup; or, by its account's id, template list) falls
    /// under, if any (its count goes down by one).
    /// </summary>
    public FailurePlan? TryTake(string phoneNumberIdOrWabaId, string operation = Send)
    {
        lock (_lock)
        {
            var plan = _plans.FirstOrDefault(p => p.Operation == operation && (operation == Templates
                ? p.WabaId is null || p.WabaId == phoneNumberIdOrWabaId
                : p.PhoneNumberId is null || p.PhoneNumberId == phoneNumberIdOrWabaId));
            if (plan is null) return null;
            if (--plan.Remaining <= 0) _plans.Remove(plan);
            return plan;
        }
    }
}
