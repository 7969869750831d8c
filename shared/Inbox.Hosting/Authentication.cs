using System.Text;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Hosting;

/// <summary>The access-token settings every service agrees on (Auth:SigningKey, Auth:Issuer, Auth:Audience).</summary>
public sealed class JwtSettings
{
    public required SymmetricSecurityKey SigningKey { get; init; }
    public required string Issuer { get; init; }
    public required string Audience { get; init; }
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a just-rotated refresh token may be presented again when the client never got the answer (its
    /// successor not used yet): it rotates once more instead of counting as theft. See auth_rotate_refresh_token.
    /// </summary>
    public TimeSpan RefreshRetryGrace { get; init; } = TimeSpan.FromSeconds(30);

    public static JwtSettings From(IConfiguration configuration)
    {
        var key = configuration["Auth:SigningKey"]
            ?? throw new InvalidOperationException("Auth:SigningKey is not configured.");
        var bytes = Encoding.UTF8.GetBytes(key);
        if (bytes.Length < 32) throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes.");
        return new JwtSettings
        {
            SigningKey = new SymmetricSecurityKey(bytes),
            Issuer = configuration["Auth:Issuer"] ?? "inbox",
            Audience = configuration["Auth:Audience"] ?? "inbox",
            AccessTokenLifetime = configuration.GetValue<TimeSpan?>("Auth:AccessTokenLifetime") ?? TimeSpan.FromMinutes(15),
            RefreshTokenLifetime = configuration.GetValue<TimeSpan?>("Auth:RefreshTokenLifetime") ?? TimeSpan.FromDays(30),
            RefreshRetryGrace = configuration.GetValue<TimeSpan?>("Auth:RefreshRetryGrace") ?? TimeSpan.FromSeconds(30),
        };
    }
}

public static class AuthenticationDefaults
{
    /// <summary>
    /// JWT bearer authentication; SignalR clients pass the token as ?access_token= on /hubs. Every authenticated
    /// request (and hub connection) also checks, in one indexed lookup, that the token's session is not revoked and
    /// its membership still active, so logout and deactivation take effect on the next request; the role in force
    /// is the one stored now, not the one in the token.
    /// </summary>
    public static WebApplicationBuilder AddInboxAuthentication(this WebApplicationBuilder builder)
    {
        var settings = JwtSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = settings.Issuer,
                ValidAudience = settings.Audience,
                IssuerSigningKey = settings.SigningKey,
                NameClaimType = InboxClaims.Name,
                RoleClaimType = InboxClaims.Role,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = SessionCheck.ValidateAsync,
                OnChallenge = SessionCheck.ChallengeAsync,
                OnMessageReceived = context =>
                {
                    var token = context.Request.Query["access_token"];
                    if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/hubs"))
                        context.Token = token;
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorization();
        return builder;
    }
}
