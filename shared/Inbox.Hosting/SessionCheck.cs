using System.Security.Claims;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inbox.Hosting;

/// <summary>
/// The per-request half of authentication: a valid signature is not enough, the session must still be open and
/// the membership active. One call of a SECURITY DEFINER function (primary-key lookups on auth_sessions and
/// memberships), no cache, so a change is seen by the very next request on every instance.
/// </summary>
public static class SessionCheck
{
    private const string RejectedKey = "inbox.session-rejected";

    public static async Task ValidateAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        if (principal.SessionId() is not { } sessionId || principal.UserId() is not { } userId
            || principal.TenantId() is not { } tenantId)
        {
            Reject(context, "The token names no session.");
            return;
        }
        var dataSource = context.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("select auth_session_active($1, $2, $3)");
        command.Parameters.Add(new() { Value = sessionId });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = tenantId });
        if (await command.ExecuteScalarAsync(context.HttpContext.RequestAborted) is not string role)
        {
            Reject(context, "The session has ended or the membership is no longer active.");
            return;
        }
        var identity = (ClaimsIdentity)principal.Identity!;
        foreach (var stale in identity.FindAll(InboxClaims.Role).ToList()) identity.RemoveClaim(stale);
        identity.AddClaim(new Claim(InboxClaims.Role, role));
    }

    private static void Reject(TokenValidatedContext context, string reason)
    {
        context.HttpContext.Items[RejectedKey] = reason;
        context.Fail(reason);
    }

    /// <summary>401 as problem details, saying why when the session was refused.</summary>
    public static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        if (context.HttpContext.Items[RejectedKey] is not string reason || context.Response.HasStarted) return;
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails = { Status = 401, Title = "Session ended", Detail = reason, Type = "urn:inbox:problem:session-ended" },
        });
    }
}
