using Inbox.Data;
using Inbox.Data.Entities;

namespace Inbox.Manage;

/// <summary>The demo tenant `./inbox up` seeds: an owner, an agent and one WhatsApp number. Idempotent.</summary>
public static class DemoTenant
{
    public static readonly Guid Id = Guid.Parse("0195a000-0000-7000-8000-00000000de00");
    public const string PhoneNumberId = "100000000000001";
    private const string OwnerEmail = "owner@demo.inbox.test";
    private const string OwnerPassword = "demo-owner-password";
    private const string AgentEmail = "agent@demo.inbox.test";
    private const string AgentPassword = "demo-agent-password";

    /// <summary>The demo's template catalog (there is no Meta template API here).</summary>
    public static readonly NewTemplate[] Templates =
    [
        new("hello_world", "en_US", "utility", "Hello World! Thank you for choosing our service."),
        new("order_update", "en_US", "utility", "Hi {{1}}, your order {{2}} is on its way."),
        new("appointment_reminder", "en_US", "utility", "Hi {{1}}, a reminder of your appointment on {{2}}. Reply to change it."),
        new("welcome_back", "de_DE", "marketing", "Hallo {{1}}, schön, dass Sie wieder da sind!"),
    ];

    public static async Task<string> SeedAsync(TenantProvisioner provisioner)
    {
        if (!await provisioner.ExistsAsync(Id))
        {
            await provisioner.ProvisionAsync(new NewTenant(Id, "demo", "Demo Company",
                [
                    new NewMember(OwnerEmail, "Olivia Owner", OwnerPassword, Roles.Owner),
                    new NewMember(AgentEmail, "Adam Agent", AgentPassword, Roles.Agent),
                ],
                [new NewChannel(PhoneNumberId, "200000000000001", "15550001111", $"demo-token-{Guid.NewGuid():N}")]));
        }
        await provisioner.EnsureTemplatesAsync(Id, Templates);
        return $"""
          Demo tenant 'demo' (WhatsApp phone_number_id {PhoneNumberId}):
            owner  {OwnerEmail} / {OwnerPassword}
            agent  {AgentEmail} / {AgentPassword}
        """;
    }
}
