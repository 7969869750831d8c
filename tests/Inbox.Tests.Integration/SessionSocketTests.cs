using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Inbox.Api.Auth;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// A session's live feed ends with the session: logout, a reused refresh token and an expired access token close
/// its hub connections within seconds, and nobody else's (real Api, Realtime, RabbitMQ and PostgreSQL).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SessionSocketTests(InboxStack stack)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    private Task<HubClient> ConnectAsync(string accessToken) => HubClient.ConnectAsync(stack.Realtime.BaseAddress, accessToken);

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        stack.Api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    [Fact]
    public async Task Logout_closes_the_sessions_hub_connections_and_its_token_cannot_reconnect()
    {
        var tenant = await stack.CreateTenantAsync();
        var laptop = await stack.LoginAgentAsync(tenant);
        var phone = await stack.LoginAgentAsync(tenant); // the same agent, another session
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var stranger = await stack.LoginAgentAsync(await stack.CreateTenantAsync());
        await using var laptopTab1 = await ConnectAsync(laptop.AccessToken);
        await using var laptopTab2 = await ConnectAsync(laptop.AccessToken);
        await using var phoneHub = await ConnectAsync(phone.AccessToken);
        await using var ownerHub = await ConnectAsync(owner.AccessToken);
        await using var strangerHub = await ConnectAsync(stranger.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.SendAsync(HttpMethod.Post, "/api/auth/logout")).StatusCode);

        await WaitUntilClosedAsync(laptopTab1, laptopTab2);
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(laptop.AccessToken));
        await AssertStillOpenAsync(phoneHub, ownerHub, strangerHub);
    }

    [Fact]
    public async Task A_reused_refresh_token_closes_the_sessions_hub_connections_and_its_token_cannot_reconnect()
    {
        var tenant = await stack.CreateTenantAsync();
        var victim = await stack.LoginAgentAsync(tenant);
        var otherSession = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var stolen = victim.RefreshToken;
        // The victim goes on refreshing (so the stolen token's successor is in use), with a live feed.
        var rotated = await Agent.ReadAsync(await RefreshAsync(stolen), HttpStatusCode.OK);
        var current = await Agent.ReadAsync(await RefreshAsync(rotated.GetProperty("refreshToken").GetString()!), HttpStatusCode.OK);
        var accessToken = current.GetProperty("accessToken").GetString()!;
        await using var victimHub = await ConnectAsync(accessToken);
        await using var otherSessionHub = await ConnectAsync(otherSession.AccessToken);
        await using var ownerHub = await ConnectAsync(owner.AccessToken);

        await Agent.ProblemAsync(await RefreshAsync(stolen), HttpStatusCode.Unauthorized, "urn:inbox:problem:invalid-refresh-token");

        await WaitUntilClosedAsync(victimHub);
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(accessToken));
        await AssertStillOpenAsync(otherSessionHub, ownerHub);
    }

    [Fact]
    public async Task A_hub_connection_is_closed_when_its_access_token_expires_and_a_fresh_token_reconnects()
    {
        var tenant = await stack.CreateTenantAsync();
        var lifetime = TimeSpan.FromSeconds(3);
        await using var shortLived = new ServiceHost<AccessTokenIssuer>(new() { ["Auth:AccessTokenLifetime"] = lifetime.ToString() });
        shortLived.Start();
        var login = await Agent.ReadAsync(await shortLived.Http.PostAsJsonAsync("/api/auth/login",
            new { email = tenant.AgentEmail, password = tenant.Password }), HttpStatusCode.OK);
        var longLived = await stack.LoginAgentAsync(tenant); // the same agent on the default 15 minutes
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var clock = Stopwatch.StartNew();
        await using var expiring = await ConnectAsync(login.GetProperty("accessToken").GetString()!);
        await using var longLivedHub = await ConnectAsync(longLived.AccessToken);
        await using var ownerHub = await ConnectAsync(owner.AccessToken);

        await Task.Delay(lifetime / 2);
        Assert.False(expiring.IsClosed, "closed before its token expired");
        await WaitUntilClosedAsync(expiring);
        Assert.InRange(clock.Elapsed, lifetime - TimeSpan.FromSeconds(1), lifetime + Soon);
        await AssertStillOpenAsync(longLivedHub, ownerHub);

        // What the web inbox does then: it reconnects with a fresh token, which lives its own lifetime.
        var refreshed = await Agent.ReadAsync(await shortLived.Http.PostAsJsonAsync("/api/auth/refresh",
            new { refreshToken = login.GetProperty("refreshToken").GetString() }), HttpStatusCode.OK);
        await using var reconnected = await ConnectAsync(refreshed.GetProperty("accessToken").GetString()!);
        await Task.Delay(lifetime / 2);
        Assert.False(reconnected.IsClosed);
        await WaitUntilClosedAsync(reconnected);
    }

    [Fact]
    public async Task An_expired_access_token_gets_no_lasting_connection()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var shortLived = new ServiceHost<AccessTokenIssuer>(new() { ["Auth:AccessTokenLifetime"] = "00:00:01" });
        shortLived.Start();
        var login = await Agent.ReadAsync(await shortLived.Http.PostAsJsonAsync("/api/auth/login",
            new { email = tenant.AgentEmail, password = tenant.Password }), HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // Within the validation's clock skew the token is still accepted, but the connection ends at once.
        HubClient? late = null;
        try
        {
            late = await ConnectAsync(login.GetProperty("accessToken").GetString()!);
            await WaitUntilClosedAsync(late);
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            // refused outright: as good
        }
        finally
        {
            if (late is not null) await late.DisposeAsync();
        }
    }

    private static async Task WaitUntilClosedAsync(params HubClient[] clients)
    {
        var deadline = DateTime.UtcNow + Soon;
        while (!clients.All(c => c.IsClosed))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The connection was not closed within a few seconds.");
            await Task.Delay(50);
        }
    }

    /// <summary>The signal has had time to reach everyone (the closed ones show it): the others are still connected and served.</summary>
    private static async Task AssertStillOpenAsync(params HubClient[] clients)
    {
        await Task.Delay(500);
        foreach (var client in clients)
        {
            Assert.False(client.IsClosed);
            await client.InvokeAsync("Heartbeat");
        }
    }
}
