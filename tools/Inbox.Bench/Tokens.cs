using System.Globalization;
using System.Text.Json;

namespace Inbox.Bench;

/// <summary>
/// `tokens --tenants N --listeners L --out FILE`: prepares bench tenants bench-01 … bench-N (BenchTenants), logs in
/// as many of each tenant's agents as L listeners need (1 … 10 per tenant), and writes
/// `[{"token": "...", "phone_number_id": "..."}]` for the Node load generator's --tokens-file. The entries go
/// round-robin over the tenants (entry k is tenant k mod N), so listener i of the generator, which takes entry
/// i mod count, lands in tenant i mod N: the listeners are spread evenly. Prints the generator's --tenants list
/// (PNID:TENANTID,...) on stdout. The tokens are real sessions; they expire after Auth:AccessTokenLifetime (15 min
/// by default), so use them for runs shorter than that.
/// </summary>
public static class Tokens
{
    public static async Task<int> RunAsync(BenchTarget target, BenchOptions options, CancellationToken cancellationToken)
    {
        var tenantCount = options.Int("tenants", 10);
        var listeners = options.Int("listeners", tenantCount);
        if (tenantCount < 1 || listeners < 1)
        {
            Console.Error.WriteLine("tokens: --tenants and --listeners must be at least 1.");
            return 2;
        }
        if (options.String("out") is not { Length: > 0 } file)
        {
            Console.Error.WriteLine("tokens: --out FILE is required.");
            return 2;
        }
        var agents = Math.Clamp((listeners + tenantCount - 1) / tenantCount, 1, BenchTenants.AgentsPerTenant);
        Console.Error.WriteLine($"[bench] tokens: {tenantCount} bench tenant(s), {agents} agent login(s) each");
        var tenants = await BenchTenants.PrepareAsync(target, tenantCount, agents, cancellationToken);
        var entries = new List<object>();
        for (var a = 0; a < agents; a++)
            foreach (var tenant in tenants)
                entries.Add(new Dictionary<string, string> { ["token"] = tenant.AgentTokens[a], ["phone_number_id"] = tenant.PhoneNumberId });
        var directory = Path.GetDirectoryName(Path.GetFullPath(file));
        if (directory is not null) Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(entries), cancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite); // access tokens: not for other users
        Console.WriteLine(TenantList(tenants));
        Console.Error.WriteLine($"[bench] tokens: wrote {entries.Count} to {file}");
        return 0;
    }

    /// <summary>The generator's --tenants: phone_number_id:tenant id pairs.</summary>
    public static string TenantList(IEnumerable<BenchTenant> tenants) =>
        string.Join(",", tenants.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.PhoneNumberId}:{t.Id}")));
}
