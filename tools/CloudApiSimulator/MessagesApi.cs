using System.Text.Json;

namespace Inbox.CloudApiSimulator;

/// <summary>POST /{version}/{phone_number_id}/messages — sends, and mark-as-read with the typing indicator.</summary>
public static class MessagesApi
{
    public static void MapMessagesApi(this IEndpointRouteBuilder app) =>
        app.MapPost($"/{GraphRoutes.Version}/{{phoneNumberId}}/messages", SendAsync);

    private static async Task<IResult> SendAsync(
        string phoneNumberId, HttpRequest request, NumberRegistry numbers, OutboundSends sends, DeliveryLedger ledger,
        CancellationToken cancellationToken)
    {
        var (number, error) = numbers.Authorize(request, phoneNumberId, "post");
        if (error is not null)
        {
            ledger.RecordRejected(error.Code);
            return error.ToResult();
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            ledger.RecordRejected(100);
            return GraphError.InvalidParameter("The request body is not valid JSON.").ToResult();
        }
        using (document)
            return await sends.HandleAsync(number!, document.RootElement);
    }
}
