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
        };
    }
}

public static class AuthenticationDefaults
{
    /// <summary>JWT bearer authentication; SignalR clients pass the token as ?access_token= on /hubs.</summary>
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
