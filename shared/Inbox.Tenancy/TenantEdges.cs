using Inbox.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tenancy;

/// <summary>HTTP edge: the tenant comes from the authenticated user's token, never from the request.</summary>
public static class TenantMiddleware
{
    public static IApplicationBuilder UseTenantFromClaims(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.User.TenantId() is { } tenantId)
                context.RequestServices.GetRequiredService<TenantContext>().Set(tenantId);
            await next(context);
        });
}

/// <summary>Hub edge: every hub call runs in its own scope; set its tenant from the connection's token.</summary>
public sealed class TenantHubFilter(TenantContext tenant) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var tenantId = invocationContext.Context.User?.TenantId()
            ?? throw new HubException("The connection has no tenant.");
        tenant.Set(tenantId);
        return next(invocationContext);
    }
}

/// <summary>Bus edge: a consumed message acts for the tenant named in its header.</summary>
public sealed class TenantConsumeFilter<T>(TenantContext tenant) : IFilter<ConsumeContext<T>> where T : class
{
    public Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (context.Headers.Get<string>(TenantHeader.Name) is { } header && Guid.TryParse(header, out var tenantId))
            tenant.Set(tenantId);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("tenant");
}
