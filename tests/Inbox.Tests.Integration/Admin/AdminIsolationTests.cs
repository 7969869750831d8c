using System.Net;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>Every admin endpoint that takes an id answers 404 for another tenant's id, and changes nothing there.</summary>
[Collection(StackCollection.Name)]
public sealed class AdminIsolationTests(InboxStack stack)
{
    [Fact]
    public async Task Another_tenants_member_invite_and_channel_ids_are_404()
    {
        var victim = await stack.CreateTenantAsync();
        var victimOwner = await stack.OwnerAsync(victim);
        var victimAgent = await stack.LoginAgentAsync(victim);
        var invite = (await victimOwner.InviteAsync(AdminSteps.NewEmail())).GetProperty("id").GetGuid();
        var channel = (await victimOwner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var intruder = await stack.OwnerAsync(await stack.CreateTenantAsync());

        (HttpMethod Method, string Path, object? Body)[] calls =
        [
            (HttpMethod.Put, $"/api/admin/members/{victimAgent.UserId}/role", new { role = "admin" }),
            (HttpMethod.Post, $"/api/admin/members/{victimAgent.UserId}/deactivate", null),
            (HttpMethod.Post, $"/api/admin/members/{victimAgent.UserId}/reactivate", null),
            (HttpMethod.Delete, $"/api/admin/invites/{invite}", null),
            (HttpMethod.Get, $"/api/admin/channels/{channel}", null),
            (HttpMethod.Patch, $"/api/admin/channels/{channel}", new { name = "Hijacked" }),
            (HttpMethod.Post, $"/api/admin/channels/{channel}/disable", null),
            (HttpMethod.Post, $"/api/admin/channels/{channel}/enable", null),
            (HttpMethod.Post, $"/api/admin/channels/{channel}/templates/sync", null),
        ];
        foreach (var (method, path, body) in calls)
        {
            var response = await intruder.SendAsync(method, path, body);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
            await Agent.ProblemAsync(response, HttpStatusCode.NotFound, "urn:inbox:problem:not-found");
        }

        await victimAgent.GetJsonAsync("/api/me"); // still active
        Assert.Single((await victimOwner.GetJsonAsync("/api/admin/invites")).GetProperty("items").EnumerateArray());
        var untouched = await victimOwner.GetJsonAsync($"/api/admin/channels/{channel}");
        Assert.True(untouched.GetProperty("active").GetBoolean());
        Assert.NotEqual("Hijacked", untouched.GetProperty("name").GetString());
        Assert.DoesNotContain(victimAgent.UserId.ToString(), (await intruder.GetJsonAsync("/api/admin/members")).ToString());
        Assert.Empty((await intruder.GetJsonAsync("/api/admin/invites")).GetProperty("items").EnumerateArray());
        Assert.DoesNotContain(channel.ToString(), (await intruder.GetJsonAsync("/api/admin/channels")).ToString());
    }
}
