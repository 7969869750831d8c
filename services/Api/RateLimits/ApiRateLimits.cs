using System.Threading.RateLimiting;
using Inbox.Api.Auth;
using Inbox.Hosting;
using Inbox.Tenancy;
using Microsoft.AspNetCore.RateLimiting;

namespace Inbox.Api.RateLimits;

/// <summary>
/// The Api's rate limits on ASP.NET Core's rate limiter (<see cref="RateLimitSettings"/>): logins and the anonymous
/// invite endpoints per client address (policies <see cref="Login"/> and <see cref="Invites"/>), every authenticated
/// request per user and per tenant (the global limiter), and the failed-login back-off per e-mail address
/// (<see cref="LoginBackoff"/>). Every refusal is 429 with Retry-After and problem details.
/// </summary>
public static class ApiRateLimits
{
    public const string Login = "login";
    public const string Invites = "invites";

    public static WebApplicationBuilder AddApiRateLimits(this WebApplicationBuilder builder)
    {
        var settings = RateLimitSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings.LoginFailures);
        builder.Services.AddSingleton<LoginBackoff>();
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(Login, context =>
                RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ => settings.LoginPerIp));
            options.AddPolicy(Invites, context =>
                RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ => settings.InvitesPerIp));
            // The user's bucket first: a user over their own limit does not spend their tenant's.
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, (Guid, Guid)>(context =>
                    context.User.TenantId() is { } tenant && context.User.UserId() is { } user
                        ? RateLimitPartition.GetTokenBucketLimiter((tenant, user), _ => settings.ApiPerUser)
                        : RateLimitPartition.GetNoLimiter((Guid.Empty, Guid.Empty))),
                PartitionedRateLimiter.Create<HttpContext, Guid>(context =>
                    context.User.TenantId() is { } tenant
                        ? RateLimitPartition.GetTokenBucketLimiter(tenant, _ => settings.ApiPerTenant)
                        : RateLimitPartition.GetNoLimiter(Guid.Empty)));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return new ValueTask(Problems.TooManyRequests(context.HttpContext.Response, retryAfter, "Too many requests; retry later.")
                    .ExecuteAsync(context.HttpContext));
            };
        });
        return builder;
    }
}
