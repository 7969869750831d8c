using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Media as the Cloud API serves it: upload (multipart) → id; lookup of an id → a download URL valid for
/// Simulator:Media:UrlLifetime; download of that URL, which wants the bearer token and a User-Agent.
/// </summary>
public static class MediaApi
{
    private const long MaxUploadBytes = 110 * 1024 * 1024;

    public static void MapMediaApi(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/{GraphRoutes.Version}/{{phoneNumberId}}/media", UploadAsync);
        // One Graph route for every object id: a business number's is answered by PhoneNumbersApi.
        app.MapGet($"/{GraphRoutes.Version}/{{objectId}}", (string objectId, HttpRequest request, NumberRegistry numbers,
                MediaStore media, FailureInjector failures, IOptions<SimulatorOptions> options, TimeProvider clock) =>
            numbers.Find(objectId) is not null
                ? Task.FromResult(PhoneNumbersApi.Get(objectId, request, numbers, failures))
                : Lookup(objectId, request, numbers, media, failures, options, clock));
        app.MapDelete($"/{GraphRoutes.Version}/{{mediaId}}", Delete);
        app.MapGet(MediaStore.DownloadPath, Download);
    }

    /// <summary>POST /{version}/{phone_number_id}/media: form fields messaging_product, file, type → {"id"}.</summary>
    private static async Task<IResult> UploadAsync(
        string phoneNumberId, HttpContext context, NumberRegistry numbers, MediaStore media, DeliveryLedger ledger,
        FailureInjector failures, CancellationToken cancellationToken)
    {
        var (number, error) = numbers.Authorize(context.Request, phoneNumberId, "post");
        if (error is not null) return error.ToResult();
        if (failures.TryTake(number!.PhoneNumberId, FailureInjector.Upload) is { } injected)
            return GraphError.FromCode(injected.Code, injected.HttpStatus, injected.Details).ToResult();
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxUploadBytes; // documents may be 100 MB
        if (!context.Request.HasFormContentType) return GraphError.MissingParameter("messaging_product").ToResult();

        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (form["messaging_product"].ToString() is not { Length: > 0 } product) return GraphError.MissingParameter("messaging_product").ToResult();
        if (product != "whatsapp") return GraphError.InvalidParameter("Param messaging_product must be 'whatsapp'.").ToResult();
        if (form.Files.GetFile("file") is not { } file) return GraphError.MissingParameter("file").ToResult();
        if (form["type"].ToString() is not { Length: > 0 } type) return GraphError.MissingParameter("type").ToResult();
        if (MediaStore.KindOf(type) is not { } kind)
            return GraphError.InvalidParameter(
                $"Param file must be a file with one of the following types: {string.Join(", ", MediaStore.Kinds.Values.SelectMany(k => k.MimeTypes))}. Received file of type '{type}'.")
                .ToResult();
        if (file.Length == 0) return GraphError.InvalidParameter("Param file must not be empty.").ToResult();
        if (file.Length > MediaStore.Kinds[kind].MaxBytes)
            return GraphError.InvalidParameter($"Param file is too large: {kind} files may be at most {MediaStore.Kinds[kind].MaxBytes} bytes.").ToResult();

        using var bytes = new MemoryStream((int)file.Length);
        await file.CopyToAsync(bytes, cancellationToken);
        var asset = media.Add(number!.PhoneNumberId, type, bytes.ToArray(), file.FileName);
        ledger.RecordUpload(asset);
        return new GraphJson(new JsonObject { ["id"] = asset.Id });
    }

    /// <summary>GET /{version}/{media-id}[?phone_number_id=] → messaging_product, url, mime_type, sha256 (hex), file_size, id.</summary>
    private static async Task<IResult> Lookup(
        string mediaId, HttpRequest request, NumberRegistry numbers, MediaStore media, FailureInjector failures,
        IOptions<SimulatorOptions> options, TimeProvider clock)
    {
        var (asset, error) = Authorize(mediaId, request, numbers, media, "get");
        if (error is not null) return error.ToResult();
        if (failures.TryTake(asset!.OwnerPhoneNumberId, FailureInjector.Media) is { } injected)
        {
            if (injected.Delay is { } delay) // slow or hanging: until the delay passes or the caller gives up
                await Task.Delay(delay, clock, request.HttpContext.RequestAborted);
            if (injected.Code > 0) return GraphError.FromCode(injected.Code, injected.HttpStatus, injected.Details).ToResult();
        }
        return new GraphJson(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["url"] = media.DownloadUrl(asset!, GraphRoutes.BaseUrl(request, options.Value)),
            ["mime_type"] = asset!.MimeType,
            ["sha256"] = asset.Sha256Hex,
            ["file_size"] = asset.Bytes.LongLength,
            ["id"] = asset.Id,
        });
    }

    private static IResult Delete(string mediaId, HttpRequest request, NumberRegistry numbers, MediaStore media)
    {
        var (asset, error) = Authorize(mediaId, request, numbers, media, "delete");
        if (error is not null) return error.ToResult();
        media.Delete(asset!.Id);
        return new GraphJson(new JsonObject { ["success"] = true });
    }

    /// <summary>The owner's token may see a media id; any other known token is told it does not exist.</summary>
    private static (MediaAsset? Asset, GraphError? Error) Authorize(
        string mediaId, HttpRequest request, NumberRegistry numbers, MediaStore media, string method)
    {
        var token = NumberRegistry.BearerToken(request);
        if (token is null || !numbers.IsKnownToken(token)) return (null, GraphError.InvalidToken());
        var asset = media.Find(mediaId);
        var owner = asset is null ? null : numbers.Find(asset.OwnerPhoneNumberId);
        var phoneNumberId = request.Query["phone_number_id"].ToString();
        if (asset is null || owner is null || !NumberRegistry.TokenEquals(owner.AccessToken, token)
            || (phoneNumberId.Length > 0 && phoneNumberId != asset.OwnerPhoneNumberId))
            return (null, GraphError.UnknownObject(mediaId, method));
        return (asset, null);
    }

    /// <summary>
    /// GET of a download URL: 401 without the owner's bearer token, 403 without a User-Agent (as Meta's CDN
    /// refuses such clients), 404 once expired or when forged; otherwise the bytes with their Content-Type.
    /// </summary>
    private static IResult Download(HttpRequest request, NumberRegistry numbers, MediaStore media)
    {
        var token = NumberRegistry.BearerToken(request);
        if (token is null || !numbers.IsKnownToken(token)) return TypedResults.Unauthorized();
        if (string.IsNullOrWhiteSpace(request.Headers.UserAgent.ToString()))
            return TypedResults.Text("Forbidden: a User-Agent header is required.", statusCode: StatusCodes.Status403Forbidden);
        var (asset, problem) = media.Resolve(request.Query["mid"], request.Query["ext"], request.Query["hash"]);
        if (problem != DownloadProblem.None)
            return TypedResults.Text(problem == DownloadProblem.Expired ? "URL signature expired" : "Not found",
                statusCode: StatusCodes.Status404NotFound);
        if (numbers.Find(asset!.OwnerPhoneNumberId) is not { } owner || !NumberRegistry.TokenEquals(owner.AccessToken, token))
            return TypedResults.Unauthorized();
        return TypedResults.Bytes(asset.Bytes, asset.MimeType);
    }
}
