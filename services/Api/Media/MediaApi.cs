using Inbox.Data;
using Inbox.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Media;

public static class MediaApi
{
    public static void MapMediaApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/messages/{id:guid}/media", Download).RequireAuthorization().WithTags("Media");

    /// <summary>
    /// A message's media file, to agents of its tenant only (another tenant's id is 404). 409 while Workers are
    /// still fetching it, 410 when fetching failed for good.
    /// </summary>
    private static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> Download(
        Guid id, InboxDbContext db, IMediaStore store, CancellationToken cancellationToken)
    {
        var file = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(f => f.MessageId == id, cancellationToken);
        if (file is null) return TypedResults.NotFound();
        if (file.Status == MediaStatuses.Pending)
            return TypedResults.Problem("The media is still being fetched from WhatsApp.", statusCode: StatusCodes.Status409Conflict);
        if (file.Status == MediaStatuses.Failed || file.StorageKey is null)
            return TypedResults.Problem($"The media could not be fetched: {file.LastError}", statusCode: StatusCodes.Status410Gone);
        var content = await store.OpenAsync(file, cancellationToken);
        if (content is null) return TypedResults.NotFound();
        return TypedResults.Stream(content, file.MimeType ?? "application/octet-stream", file.Filename);
    }
}
