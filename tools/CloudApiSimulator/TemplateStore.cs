using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>One language of a message template of a WhatsApp Business Account, as Meta lists it.</summary>
public sealed class SimulatedTemplate
{
    /// <summary>Meta's id of this template in this language (digits).</summary>
    public required string Id { get; init; }
    public required string WabaId { get; init; }
    public required string Name { get; init; }
    public required string Language { get; init; }
    public string Category { get; set; } = "UTILITY";

    /// <summary>APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …</summary>
    public string Status { get; set; } = "APPROVED";

    /// <summary>NONE unless rejected (INVALID_FORMAT, PROMOTIONAL, …).</summary>
    public string RejectedReason { get; set; } = "NONE";
    public string ParameterFormat { get; set; } = "POSITIONAL";

    /// <summary>Meta's definition: HEADER, BODY, FOOTER, BUTTONS.</summary>
    public JsonArray Components { get; set; } = [];

    /// <summary>The node as GET /{waba-id}/message_templates lists it, with only the fields asked for (and the id).</summary>
    public JsonObject Node(IReadOnlyCollection<string> fields)
    {
        var node = new JsonObject();
        foreach (var field in TemplateStore.Fields.Where(fields.Contains))
            node[field] = field switch
            {
                "name" => Name,
                "parameter_format" => ParameterFormat,
                "components" => Components.DeepClone(),
                "language" => Language,
                "status" => Status,
                "category" => Category,
                "rejected_reason" => RejectedReason,
                _ => null,
            };
        node["id"] = Id;
        return node;
    }
}

/// <summary>
/// The message templates of each WhatsApp Business Account. An account starts with the sample templates
/// (Simulator:SampleTemplates, on by default: a hello_world as Meta gives every account, and a few more of each kind —
/// text, media header, URL button, named parameters, one rejected), the first time anything asks for it; the control
/// API adds and changes templates, and a change of status is sent as Meta's message_template_status_update webhook.
/// </summary>
public sealed class TemplateStore(IOptions<SimulatorOptions> options)
{
    /// <summary>The fields a template node answers, in Meta's order; `id` is always added.</summary>
    public static readonly string[] Fields = ["name", "parameter_format", "components", "language", "status", "category", "rejected_reason"];

    private readonly ConcurrentDictionary<string, List<SimulatedTemplate>> _accounts = new(StringComparer.Ordinal);
    private long _nextId = 1_689_556_908_000_000;

    /// <summary>The account's templates in creation order (a copy).</summary>
    public IReadOnlyList<SimulatedTemplate> Of(string wabaId)
    {
        var templates = Account(wabaId);
        lock (templates) return templates.ToList();
    }

    public SimulatedTemplate? Find(string wabaId, string name, string language) =>
        Of(wabaId).FirstOrDefault(t => t.Name == name && t.Language == language);

    /// <summary>
    /// Adds a template, or changes the one with this name and language; returns it, and the status it had before (null
    /// when it is new).
    /// </summary>
    public (SimulatedTemplate Template, string? PreviousStatus) Upsert(
        string wabaId, string name, string language, Action<SimulatedTemplate> change)
    {
        var templates = Account(wabaId);
        lock (templates)
        {
            var template = templates.FirstOrDefault(t => t.Name == name && t.Language == language);
            var previous = template?.Status;
            if (template is null)
            {
                template = new SimulatedTemplate { Id = NewId(), WabaId = wabaId, Name = name, Language = language };
                templates.Add(template);
            }
            change(template);
            return (template, previous);
        }
    }

    public bool Remove(string wabaId, string name, string language)
    {
        var templates = Account(wabaId);
        lock (templates) return templates.RemoveAll(t => t.Name == name && t.Language == language) > 0;
    }

    private List<SimulatedTemplate> Account(string wabaId) =>
        _accounts.GetOrAdd(wabaId, id => options.Value.SampleTemplates ? Samples(id) : []);

    private string NewId() => Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private List<SimulatedTemplate> Samples(string wabaId)
    {
        SimulatedTemplate Sample(string name, string language, string category, JsonArray components, string status = "APPROVED",
            string reason = "NONE", string format = "POSITIONAL") => new()
        {
            Id = NewId(), WabaId = wabaId, Name = name, Language = language, Category = category, Status = status,
            RejectedReason = reason, ParameterFormat = format, Components = components,
        };
        static JsonObject Body(string text, params string[] example) => new()
        {
            ["type"] = "BODY", ["text"] = text,
            ["example"] = new JsonObject { ["body_text"] = new JsonArray(new JsonArray([.. example.Select(e => (JsonNode)e)])) },
        };
        static JsonObject Buttons(params JsonObject[] buttons) => new() { ["type"] = "BUTTONS", ["buttons"] = new JsonArray(buttons) };
        static JsonObject QuickReply(string text) => new() { ["type"] = "QUICK_REPLY", ["text"] = text };

        return
        [
            Sample("hello_world", "en_US", "UTILITY",
            [
                new JsonObject { ["type"] = "HEADER", ["format"] = "TEXT", ["text"] = "Hello World" },
                new JsonObject
                {
                    ["type"] = "BODY",
                    ["text"] = "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.",
                },
                new JsonObject { ["type"] = "FOOTER", ["text"] = "WhatsApp Business Platform sample message" },
            ]),
            Sample("order_update", "en_US", "UTILITY", [Body("Hi {{1}}, your order {{2}} is on its way.", "Ana", "#42")]),
            Sample("appointment_reminder", "en_US", "UTILITY",
            [
                Body("Hi {{1}}, a reminder of your appointment on {{2}}. Reply to change it.", "Ana", "Friday at 10:00"),
                Buttons(QuickReply("Confirm"), QuickReply("Reschedule")),
            ]),
            Sample("shipping_update", "en_US", "UTILITY",
            [
                new JsonObject
                {
                    ["type"] = "HEADER", ["format"] = "IMAGE",
                    ["example"] = new JsonObject { ["header_handle"] = new JsonArray("https://scontent.whatsapp.net/v/sample-parcel.jpg") },
                },
                Body("Hi {{1}}, your parcel {{2}} has shipped.", "Ana", "PX-1042"),
                new JsonObject { ["type"] = "FOOTER", ["text"] = "Reply STOP to opt out" },
                Buttons(new JsonObject
                {
                    ["type"] = "URL", ["text"] = "Track parcel", ["url"] = "https://shop.example/track/{{1}}",
                    ["example"] = new JsonArray("https://shop.example/track/PX-1042"),
                }),
            ]),
            Sample("delivery_window", "en_US", "UTILITY",
            [
                new JsonObject
                {
                    ["type"] = "BODY", ["text"] = "Hi {{first_name}}, we deliver between {{from}} and {{to}}.",
                    ["example"] = new JsonObject
                    {
                        ["body_text_named_params"] = new JsonArray(
                            new JsonObject { ["param_name"] = "first_name", ["example"] = "Ana" },
                            new JsonObject { ["param_name"] = "from", ["example"] = "9:00" },
                            new JsonObject { ["param_name"] = "to", ["example"] = "11:00" }),
                    },
                },
            ], format: "NAMED"),
            Sample("welcome_back", "de_DE", "MARKETING", [Body("Hallo {{1}}, schön, dass Sie wieder da sind!", "Ana")]),
            Sample("summer_sale", "en_US", "MARKETING",
                [Body("Hi {{1}}, everything is 50% off this week only!", "Ana"), Buttons(QuickReply("Stop promotions"))],
                status: "REJECTED", reason: "INCORRECT_CATEGORY"),
        ];
    }
}
