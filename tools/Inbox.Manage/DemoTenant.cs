using System.Security.Cryptography;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Manage;

/// <summary>
/// The demo tenant `./inbox up` seeds: an owner, an agent and one WhatsApp number (whose templates Workers then read
/// from its WABA: the simulator's sample templates). Idempotent. The number's access
/// token is Demo:AccessToken when configured (the token the Cloud API simulator expects for it; an existing demo
/// number is brought in line), otherwise a random one.
/// </summary>
public static class DemoTenant
{
    public static readonly Guid Id = Guid.Parse("0195a000-0000-7000-8000-00000000de00");
    public const string PhoneNumberId = "100000000000001";
    public const string WabaId = "200000000000001";
    public const string DisplayPhoneNumber = "15550001111";
    private const string OwnerEmail = "owner@demo.inbox.test";
    private const string OwnerPassword = "demo-owner-password";
    private const string AgentEmail = "agent@demo.inbox.test";
    private const string AgentPassword = "demo-agent-password";

    /// <param name="services">A scope's services (the provisioner, the DbContext and the tenant of one unit of work).</param>
    public static async Task<string> SeedAsync(IServiceProvider services, IConfiguration configuration)
    {
        var provisioner = services.GetRequiredService<TenantProvisioner>();
        var configuredToken = configuration["Demo:AccessToken"] is { Length: > 0 } token ? token : null;
        if (!await provisioner.ExistsAsync(Id))
        {
            await provisioner.ProvisionAsync(new NewTenant(Id, "demo", "Demo Company",
                [
                    new NewMember(OwnerEmail, "Olivia Owner", OwnerPassword, Roles.Owner),
                    new NewMember(AgentEmail, "Adam Agent", AgentPassword, Roles.Agent),
                ],
                [new NewChannel(PhoneNumberId, WabaId, DisplayPhoneNumber, configuredToken ?? $"demo-token-{Guid.NewGuid():N}")],
                SeatLimit: 10));
        }
        else if (configuredToken is not null)
        {
            await AlignAccessTokenAsync(services, configuredToken);
        }
        return $"""
          Demo tenant 'demo' (WhatsApp phone_number_id {PhoneNumberId}):
            owner  {OwnerEmail} / {OwnerPassword}
            agent  {AgentEmail} / {AgentPassword}
        """;
    }

    /// <summary>A demo tenant seeded before Demo:AccessToken existed gets the configured token.</summary>
    private static async Task AlignAccessTokenAsync(IServiceProvider services, string token)
    {
        services.GetRequiredService<TenantContext>().Set(Id);
        var db = services.GetRequiredService<InboxDbContext>();
        var secrets = services.GetRequiredService<SecretProtector>();
        var channel = await db.Channels.SingleOrDefaultAsync(c => c.PhoneNumberId == PhoneNumberId);
        if (channel is null || Matches(secrets, channel.AccessTokenEncrypted, token)) return;
        channel.AccessTokenEncrypted = secrets.Protect(token);
        await db.SaveChangesAsync();
    }

    private static bool Matches(SecretProtector secrets, byte[]? sealedToken, string token)
    {
        if (sealedToken is null) return false;
        try
        {
            return secrets.Unprotect(sealedToken) == token;
        }
        catch (CryptographicException)
        {
            return false; // sealed under an older Secrets:Key: replace it
        }
    }
}
