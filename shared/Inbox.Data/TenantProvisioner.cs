using Inbox.Contracts;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Data;

public sealed record NewMember(string Email, string DisplayName, string Password, string Role);

public sealed record NewChannel(string PhoneNumberId, string WabaId, string DisplayPhoneNumber, string AccessToken);

/// <param name="NewAccountsOnly">
/// Every member must be a new account: a tenant the platform operator creates by address is never handed to an
/// account that already exists — whoever holds it may have got it by accepting some tenant's invite for that
/// address (<see cref="AccountExistsException"/>).
/// </param>
public sealed record NewTenant(Guid Id, string Slug, string Name, IReadOnlyList<NewMember> Members, IReadOnlyList<NewChannel> Channels,
    int SeatLimit = 10, bool NewAccountsOnly = false);

/// <summary>A new tenant named an address that already has an account, and may only have new ones.</summary>
public sealed class AccountExistsException(string email)
    : Exception($"An account with the address {email} exists already; a new tenant is never given to it by address.")
{
    public string Email { get; } = email;
}

/// <summary>
/// Creates a tenant with its members and WhatsApp numbers in one transaction, acting as that tenant; each number's
/// templates are then read from its WhatsApp Business Account (a SyncTemplates command through the outbox).
/// </summary>
public sealed class TenantProvisioner(InboxDbContext db, TenantContext tenant, SecretProtector secrets, NpgsqlDataSource dataSource)
{
    public async Task<bool> ExistsAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        tenant.Set(tenantId);
        return await db.Tenants.AnyAsync(cancellationToken);
    }

    public async Task ProvisionAsync(NewTenant request, CancellationToken cancellationToken = default)
    {
        tenant.Set(request.Id);
        var now = DateTimeOffset.UtcNow;
        db.Tenants.Add(new Tenant { Id = request.Id, Slug = request.Slug, Name = request.Name, CreatedAt = now, SeatLimit = request.SeatLimit });
        foreach (var member in request.Members)
        {
            var userId = await FindUserIdAsync(member.Email, cancellationToken);
            if (userId is not null && request.NewAccountsOnly) throw new AccountExistsException(member.Email);
            if (userId is null)
            {
                userId = Guid.CreateVersion7();
                db.Users.Add(new User
                {
                    Id = userId.Value,
                    Email = member.Email,
                    DisplayName = member.DisplayName,
                    PasswordHash = Passwords.Hash(member.Password),
                    CreatedAt = now,
                });
            }
            db.Memberships.Add(new Membership { TenantId = request.Id, UserId = userId.Value, Role = member.Role, CreatedAt = now });
        }
        foreach (var channel in request.Channels)
        {
            var channelId = Guid.CreateVersion7();
            db.Outbox.Add(OutboxEvents.Create(request.Id, new SyncTemplates(request.Id, channelId)));
            db.Channels.Add(new Channel
            {
                Id = channelId,
                TenantId = request.Id,
                PhoneNumberId = channel.PhoneNumberId,
                WabaId = channel.WabaId,
                DisplayPhoneNumber = channel.DisplayPhoneNumber,
                Name = channel.DisplayPhoneNumber,
                AccessTokenEncrypted = secrets.Protect(channel.AccessToken),
                CreatedAt = now,
                UpdatedAt = now,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A person already known (in another tenant) keeps one account.</summary>
    private async Task<Guid?> FindUserIdAsync(string email, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select user_id from auth_find_user($1)");
        command.Parameters.Add(new() { Value = email });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }
}
