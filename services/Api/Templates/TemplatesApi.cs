using System.Text.Json;
using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Templates;

/// <summary>
/// The tenant's WhatsApp templates, as Meta holds them for each of its numbers' business accounts (read by Workers,
/// kept current by Meta's status webhooks): every status, so the picker can show why one cannot be sent.
/// </summary>
public static class TemplatesApi
{
    /// <param name="Status">Meta's status, lower-case; only "approved" can be sent.</param>
    /// <param name="StatusReason">Meta's reason code (INVALID_FORMAT, PROMOTIONAL, …), when it gave one.</param>
    /// <param name="StatusDetail">What Meta explained: a rejection's reason and recommendation, a pause, a disable date.</param>
    /// <param name="Components">Meta's definition: HEADER (format TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION), BODY, FOOTER, BUTTONS.</param>
    public sealed record TemplateView(Guid Id, string WabaId, string Name, string Language, string Category, string Status,
        string? StatusReason, string? StatusDetail, DateTimeOffset StatusAt, string? ParameterFormat, string Body, JsonElement Components,
        DateTimeOffset UpdatedAt);

    public static void MapTemplatesApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api").RequireAuthorization().WithTags("Templates")
            .MapGet("/templates", List)
            .WithSummary("The tenant's WhatsApp templates, every status; channelId: those a number can send (its WABA's)");

    private static async Task<Results<Ok<List<TemplateView>>, ProblemHttpResult>> List(
        InboxDbContext db, Guid? channelId, CancellationToken cancellationToken)
    {
        var templates = db.MessageTemplates.AsNoTracking();
        if (channelId is not null)
        {
            var wabaId = await db.Channels.Where(c => c.Id == channelId).Select(c => c.WabaId).FirstOrDefaultAsync(cancellationToken);
            if (wabaId is null) return Problems.NotFound("The channel");
            templates = templates.Where(t => t.WabaId == wabaId);
        }
        var rows = await templates.OrderBy(t => t.Name).ThenBy(t => t.Language).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(t => new TemplateView(t.Id, t.WabaId, t.Name, t.Language, t.Category, t.Status,
            t.StatusReason, t.StatusDetail, t.StatusAt, t.ParameterFormat, t.Body, JsonDocument.Parse(t.Components).RootElement.Clone(),
            t.UpdatedAt)).ToList());
    }
}
