using System.Security.Claims;
using System.Security.Cryptography;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Inbox.Api.Media;

/// <summary>
/// Files agents attach from disk. POST /api/uploads takes one file (multipart/form-data, part "file") and stores it
/// for its agent, who then sends it by its id (<c>uploadId</c> of a media message); Workers upload it to WhatsApp when
/// the message goes out. WhatsApp's rules (<see cref="WhatsAppMedia"/>) are checked as the file streams in: 415 for a
/// type WhatsApp does not take or content that is not what it is declared as (from its first bytes), 413 as soon as
/// it passes its kind's limit (image 5 MB, video and audio 16 MB, document 100 MB, sticker 100/500 KB) — before
/// anything is stored. The bytes are spooled to a temporary file first, so no database transaction is open while
/// they arrive. DELETE discards an upload its agent will not send; uploads never sent are swept after
/// Media:UnsentUploadLifetime.
/// </summary>
public static class UploadsApi
{
    /// <summary>What a multipart body may add to its file: boundaries and part headers.</summary>
    private const long FormOverhead = 64 * 1024;

    /// <param name="Type">The message type it is sent as: image, video, audio, document or sticker.</param>
    /// <param name="Sha256">Of the bytes, hex.</param>
    public sealed record UploadSnapshot(Guid Id, string Type, string MimeType, string? Filename, long Size, string Sha256, DateTimeOffset CreatedAt);

    public static void MapUploadsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/uploads").RequireAuthorization().WithTags("Uploads");
        group.MapPost("/", Upload)
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Store a file to send on WhatsApp (multipart part \"file\"); send it with uploadId");
        group.MapDelete("/{id:guid}", Discard).WithSummary("Discard one of your uploads that was not sent");
    }

    private static async Task<Results<Created<UploadSnapshot>, ProblemHttpResult, ValidationProblem>> Upload(
        HttpContext context, InboxDbContext db, IMediaStore store, TenantContext tenant, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 70 } boundary)
            return Refused(new MediaRefusal(StatusCodes.Status415UnsupportedMediaType, "Not a file upload",
                "Send the file as multipart/form-data, in a part named \"file\"."));
        // The Api's 1 MiB cap is for JSON; this request may carry the largest file WhatsApp takes (its own kind's cap follows).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = WhatsAppMedia.MaxBytes + FormOverhead;
        if (request.ContentLength > WhatsAppMedia.MaxBytes + FormOverhead)
            return Refused(new MediaRefusal(StatusCodes.Status413PayloadTooLarge, "File too large for WhatsApp",
                $"No file may be larger than {WhatsAppMedia.Size(WhatsAppMedia.MaxBytes)} on WhatsApp (documents); this one is {WhatsAppMedia.Size(request.ContentLength.Value)}."));

        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (section.GetContentDispositionHeader() is not { } disposition || !disposition.IsFileDisposition()
                || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                continue; // another field: nothing here needs one
            var fileName = FileName(disposition);
            return await StoreAsync(section, fileName, request.ContentLength, db, store, tenant, user, cancellationToken);
        }
        return Problems.Invalid("file", "A file is required, in a multipart/form-data part named \"file\".");
    }

    private static async Task<Results<Created<UploadSnapshot>, ProblemHttpResult, ValidationProblem>> StoreAsync(
        MultipartSection section, string? fileName, long? requestLength, InboxDbContext db, IMediaStore store, TenantContext tenant,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var head = new byte[WhatsAppMedia.HeadBytes];
        var headLength = await section.Body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var (file, refusal) = WhatsAppMedia.Classify(section.ContentType, fileName, head.AsSpan(0, headLength));
        if (refusal is not null) return Refused(refusal);
        if (requestLength > file!.MaxBytes + FormOverhead) return Refused(WhatsAppMedia.TooLarge(file, null)); // said up front: not read

        await using var spool = new FileStream(Path.Combine(Path.GetTempPath(), $"inbox-upload-{Guid.NewGuid():N}"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        head.AsSpan(0, headLength).CopyTo(buffer);
        long size = 0;
        for (var read = headLength; read > 0; read = await section.Body.ReadAsync(buffer, cancellationToken))
        {
            size += read;
            if (size > file.MaxBytes) return Refused(WhatsAppMedia.TooLarge(file, null)); // no further byte is read
            sha256.AppendData(buffer, 0, read);
            await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        if (size == 0) return Problems.Invalid("file", "The file is empty.");

        var now = DateTimeOffset.UtcNow;
        var upload = new MediaFile
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.RequiredTenantId, UploadedBy = user.RequiredUserId(),
            MimeType = file.MimeType, Filename = fileName, FileSize = size, Sha256 = Convert.ToHexStringLower(sha256.GetHashAndReset()),
            Status = MediaStatuses.Ready, CreatedAt = now, UpdatedAt = now,
        };
        spool.Position = 0;
        // Only now a transaction: the row and its bytes, stored together.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.MediaFiles.Add(upload);
            await db.SaveChangesAsync(cancellationToken);
            upload.StorageKey = await store.SaveAsync(upload, spool, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return TypedResults.Created($"/api/uploads/{upload.Id}",
            new UploadSnapshot(upload.Id, file.Kind.Name, file.MimeType, fileName, size, upload.Sha256, now));
    }

    /// <summary>An unsent upload of the caller's: gone (204); anything else — sent, another agent's or tenant's — is 404.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> Discard(
        Guid id, InboxDbContext db, IMediaStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = user.RequiredUserId();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Locked as a send naming it would lock it: the two never both have it.
        await db.Database.ExecuteSqlAsync($"select 1 from media_files where id = {id} for update", cancellationToken);
        var upload = await db.MediaFiles.FirstOrDefaultAsync(f => f.Id == id && f.UploadedBy == me && f.MessageId == null, cancellationToken);
        if (upload is null) return Problems.NotFound("The upload");
        await store.DeleteAsync(upload, cancellationToken);
        db.MediaFiles.Remove(upload);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult Refused(MediaRefusal refusal) =>
        Problems.Status(refusal.Status, refusal.Status == StatusCodes.Status413PayloadTooLarge ? Problems.FileTooLarge : Problems.UnsupportedFile,
            refusal.Title, refusal.Detail);

    /// <summary>The name the browser gave, without any folder or control character, at most 240 characters (WhatsApp's filename).</summary>
    private static string? FileName(ContentDispositionHeaderValue disposition)
    {
        var raw = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
        var name = new string(Path.GetFileName((raw ?? "").Replace('\\', '/')).Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (name.Length == 0) return null;
        if (name.Length <= 240) return name;
        var extension = Path.GetExtension(name);
        return extension.Length <= 16 ? name[..(240 - extension.Length)] + extension : name[..240];
    }
}
