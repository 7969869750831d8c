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
        return $"""
          Demo tenant 'demo' (WhatsApp phone_number_id {PhoneNumberId}):
            owner  {OwnerEmail} / {OwnerPassword}
            agent  {AgentEmail} / {AgentPassword}
        """;
    }
}
