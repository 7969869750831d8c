namespace Inbox.CloudApiSimulator;

/// <summary>The scripted demo conversation: five customers writing about their orders, one line at a time.</summary>
public static class DemoScript
{
    public static readonly IReadOnlyList<Customer> Customers =
    [
        new("15557010001", Ids.BsuidFor("15557010001"), "Ana Sofía Pérez"),
        new("15557010002", Ids.BsuidFor("15557010002"), "Jonas Müller"),
        new("15557010003", Ids.BsuidFor("15557010003"), "Priya Sharma"),
        new("15557010004", Ids.BsuidFor("15557010004"), "Chloé Martin"),
        new("15557010005", Ids.BsuidFor("15557010005"), "Kenji Tanaka 田中"),
    ];

    /// <summary>(customer index, message type, text or caption — null lets the type choose).</summary>
    public static readonly IReadOnlyList<(int Customer, string Type, string? Text)> Lines =
    [
        (0, "text", "Olá! Bom dia ☀️ Do you ship to Portugal?"),
        (1, "text", "Hallo, my order #4711 hasn't arrived yet. Can you check? 📦"),
        (0, "text", "I'd like the blue one in size M, if you still have it."),
        (2, "text", "Hi, I think I was charged twice for my last order 😕"),
        (1, "location", null),
        (3, "text", "Bonjour ! Est-ce que vous avez un magasin à Paris ?"),
        (2, "image", "Screenshot of my bank statement"),
        (4, "text", "こんにちは! Can I change my delivery time to after 18:00?"),
        (1, "text", "That's where I'm staying this week: https://maps.example.com/?q=alexanderplatz"),
        (3, "interactive", null),
        (0, "reaction", "❤️"),
        (4, "text", "Also, do you have gift wrapping? 🎁"),
        (2, "text", "Thank you for checking!"),
        (3, "text", "Merci beaucoup 🙏"),
    ];
}
