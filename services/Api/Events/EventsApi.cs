using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Events;

public static class EventsApi
{
    public sealed record EventPage(IReadOnlyList<StreamedEvent> Events, long LatestPosition, bool HasMore);

    public static void MapEventsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/events", Since).RequireAuthorization().WithTags("Events");

    /// <summary>
    /// Everything the tenant's stream carried after <paramref name="after"/>, in order — what a client missed while
    /// it was away. Payloads are exactly what the hub pushed. 410 when the client is older than the retention window:
    /// it must reload instead.
    /// </summary>
    private static async Task<Results<Ok<EventPage>, ValidationProblem, ProblemHttpResult>> Since(
        long? after, int? limit, InboxDbContext db, CancellationToken cancellationToken)
    {
        if (after is null or < 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["A position, 0 or more, is required."] });
        if (limit is < 1 or > 1000)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 1000."] });

        var streamed = db.Outbox.AsNoTracking().Where(o => o.Streamed);
        var oldest = await streamed.MinAsync(o => o.Position, cancellationToken);
        // Every event pruned (a quiet tenant past the retention): the stream's head says whether the client missed any.
        var head = oldest is null
            ? await db.Database.SqlQuery<long>($"select position as \"Value\" from tenant_streams").FirstOrDefaultAsync(cancellationToken)
            : 0;
        if (oldest > after + 1 || head > after)
            return TypedResults.Problem($"Events after position {after} are no longer kept; reload the inbox.",
                statusCode: StatusCodes.Status410Gone, type: "https://inbox.dev/problems/resync-required");

        var take = limit ?? 500;
        var rows = await streamed.Where(o => o.Position > after).OrderBy(o => o.Position).Take(take + 1)
            .Select(o => new { o.Position, o.Sequence, o.ConversationId, o.MessageType, o.Payload })
            .ToListAsync(cancellationToken);
        var events = rows.Take(take).Select(r =>
        {
            var payload = JsonNode.Parse(r.Payload)!;
            payload["position"] = r.Position;
            payload["sequence"] = r.Sequence;
            return new StreamedEvent(r.Position!.Value, r.Sequence, r.ConversationId,
                HubEvents.NameOf(OutboxEvents.ResolveType(r.MessageType)), JsonSerializer.SerializeToElement(payload));
        }).ToList();
        var latest = await streamed.MaxAsync(o => o.Position, cancellationToken) ?? head;
        return TypedResults.Ok(new EventPage(events, latest, rows.Count > take));
    }
}
