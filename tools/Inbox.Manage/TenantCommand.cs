using Inbox.Data;
using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Manage;

/// <summary>
/// `tenant create --name N --slug S --owner-email E --owner-name N --owner-password P [--seats 10]`: a tenant with
/// its owner, straight against the database (the same provisioning as POST /api/platform/tenants).
/// </summary>
public static class TenantCommand
{
    private const string Usage =
        "usage: Inbox.Manage tenant create --name N --slug S --owner-email E --owner-name N --owner-password P [--seats 10]";

    public static async Task<int> RunAsync(string[] args, TenantProvisioner provisioner)
    {
        if (args.FirstOrDefault() != "create") return Fail(Usage);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return Fail(Usage);
            options[args[i][2..]] = args[i + 1];
        }
        string? Option(string name) => options.GetValueOrDefault(name)?.Trim();
        var (name, slug, email, ownerName, password) =
            (Option("name"), Option("slug")?.ToLowerInvariant(), Option("owner-email"), Option("owner-name"), options.GetValueOrDefault("owner-password"));
        var seats = 10;
        if (Option("seats") is { } text && !int.TryParse(text, out seats)) seats = 0; // not a number: out of range below
        var errors = NewTenantRules.Check(name, slug, email, ownerName, password, seats)
            .Select(e => $"--{OptionFor[e.Field]}: {e.Error}").ToList();
        if (errors.Count > 0) return Fail(string.Join(Environment.NewLine, errors.Prepend(Usage)));

        var tenantId = Guid.CreateVersion7();
        try
        {
            await provisioner.ProvisionAsync(new NewTenant(tenantId, slug!, name!,
                [new NewMember(email!, ownerName!, password!, Roles.Owner)], [], SeatLimit: seats, NewAccountsOnly: true));
        }
        catch (AccountExistsException ex)
        {
            return Fail($"--owner-email: {ex.Message} Use another owner address.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Fail($"A tenant with the slug '{slug}' exists already.");
        }
        Console.WriteLine($"Tenant '{slug}' ({tenantId}) created with {seats} seats; owner {email} can log in.");
        return 0;
    }

    /// <summary>The command-line option of each field the rules name.</summary>
    private static readonly Dictionary<string, string> OptionFor = new()
    {
        ["name"] = "name", ["slug"] = "slug", ["ownerEmail"] = "owner-email", ["ownerName"] = "owner-name",
        ["ownerPassword"] = "owner-password", ["seatLimit"] = "seats",
    };

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
