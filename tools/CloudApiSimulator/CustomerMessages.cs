using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Builds what a customer sends, in the documented messages[] shapes, keys in Meta's order (context first, then
/// from, from_user_id, id, timestamp, the type's object, type). Texts and names carry accents, emoji, other scripts
/// and URLs, so the escaping and the signature over it are exercised.
/// </summary>
public sealed class CustomerMessages(MediaStore media, Chats chats, SimulatorRandom random, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Types = ["text", "image", "reaction", "location", "interactive"];

    private static readonly string[] Texts =
    [
        "Hi! Is my order on its way? 📦",
        "Olá, vocês entregam no sábado?",
        "Can I change the delivery address to Königstraße 12, Berlin?",
        "Here is the link I mentioned: https://example.com/orders/4711?ref=wa",
        "Merci beaucoup, c'est parfait 🙏",
        "¿Tienen la talla M en azul?",
        "ありがとうございます！",
        "The app says \"payment failed\" but my card was charged 😕",
        "Is the store open on Sundays?",
        "مرحبا، أريد تغيير طلبي",
        "Thanks, that solved it 👍",
        "Can I pay cash on delivery?",
    ];

    private static readonly string[] Captions = ["This is what arrived 👀", "The label on the box", "Screenshot of the error"];
    private static readonly string[] Emoji = ["👍", "❤️", "😂", "🙏", "😮"];
    private static readonly (string Id, string Title)[] Buttons = [("yes", "Yes, please"), ("no", "No, thanks"), ("agent", "Talk to an agent")];
    private static readonly (double Latitude, double Longitude, string? Name, string? Address)[] Places =
    [
        (52.520008, 13.404954, "Alexanderplatz", "Alexanderpl., 10178 Berlin"),
        (38.722252, -9.139337, null, null),
        (-23.55052, -46.633308, "Praça da Sé", "Sé, São Paulo - SP, Brasil"),
    ];

    /// <summary>
    /// One message of <paramref name="type"/> (text when that type cannot be made here, e.g. a reaction with nothing
    /// to react to). <paramref name="text"/> fixes a text body or caption.
    /// </summary>
    public JsonObject Create(SimulatedNumber number, Customer customer, string type, string? text = null)
    {
        var chat = chats.Find(number.PhoneNumberId, customer.WaId);
        var wamid = Ids.NewWamid(customer.WaId, inbound: true);
        var message = new JsonObject();
        string actualType;
        switch (type)
        {
            case "image":
                var picture = media.Add(number.PhoneNumberId, "image/png",
                    SampleImages.Png((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                var image = new JsonObject();
                if ((text ?? (random.Chance(0.5) ? random.Pick(Captions) : null)) is { } caption) image["caption"] = caption;
                image["mime_type"] = picture.MimeType;
                image["sha256"] = picture.Sha256Base64;
                image["id"] = picture.Id;
                actualType = Add(message, "image", image);
                break;
            case "reaction" when (chat.LastBusinessWamid ?? chat.LastInboundWamid) is { } target:
                actualType = Add(message, "reaction", new JsonObject { ["message_id"] = target, ["emoji"] = text ?? random.Pick(Emoji) });
                break;
            case "location":
                var place = random.Pick(Places);
                var location = new JsonObject { ["latitude"] = place.Latitude, ["longitude"] = place.Longitude };
                if (place.Name is not null) location["name"] = place.Name;
                if (place.Address is not null) location["address"] = place.Address;
                actualType = Add(message, "location", location);
                break;
            case "interactive":
                // A tap on a reply button of the business's last interactive message (or of one sent from elsewhere,
                // e.g. WhatsApp Manager, when Inbox never sent one).
                message["context"] = new JsonObject
                {
                    ["from"] = number.DisplayPhoneNumber,
                    ["id"] = chat.LastInteractiveWamid ?? chat.LastBusinessWamid ?? Ids.NewWamid(customer.WaId, inbound: false),
                };
                var (id, title) = random.Pick(Buttons);
                actualType = Add(message, "interactive", new JsonObject
                {
                    ["type"] = "button_reply",
                    ["button_reply"] = new JsonObject { ["id"] = id, ["title"] = title },
                });
                break;
            default:
                actualType = Add(message, "text", new JsonObject { ["body"] = text ?? random.Pick(Texts) });
                break;
        }
        var ordered = new JsonObject();
        if (message["context"] is { } context) ordered["context"] = context.DeepClone();
        ordered["from"] = customer.WaId;
        ordered["from_user_id"] = customer.Bsuid;
        ordered["id"] = wamid;
        ordered["timestamp"] = WebhookPayloads.Timestamp(clock.GetUtcNow());
        ordered[actualType] = message[actualType]!.DeepClone();
        ordered["type"] = actualType;
        return ordered;
    }

    private static string Add(JsonObject message, string type, JsonObject content)
    {
        message[type] = content;
        return type;
    }
}
