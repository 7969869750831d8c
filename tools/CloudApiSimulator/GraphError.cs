using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// An error in Meta's Graph envelope:
/// {"error":{"message","type","code",["error_subcode"],"error_data":{"messaging_product","details"},"fbtrace_id"}}.
/// Like the real API it answers HTTP 400 for nearly everything (401 for a bad token); clients should branch on
/// error.code.
/// </summary>
public sealed record GraphError(int HttpStatus, int Code, string Message, string Details, int? Subcode = null)
{
    private const string DocsHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    /// <summary>Titles of the codes one may ask the simulator to fail with (see the control API).</summary>
    public static readonly IReadOnlyDictionary<int, (string Title, string Details)> Known = new Dictionary<int, (string, string)>
    {
        [0] = ("AuthException", "We were unable to authenticate the app user."),
        [4] = ("Application request limit reached", "Too many API calls from this app."),
        [100] = ("Invalid parameter", "The request included invalid or missing parameters."),
        [190] = ("Invalid OAuth access token - Cannot parse access token", "The access token has expired or is invalid."),
        [80007] = ("Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
        [130429] = ("Rate limit hit", "Cloud API message throughput has been reached."),
        [131000] = ("Something went wrong", "Message failed to send due to an unknown error."),
        [131005] = ("Access denied", "Permission is either not granted or has been removed."),
        [131008] = ("Required parameter is missing", "The request is missing a required parameter."),
        [131009] = ("Parameter value is not valid", "One or more parameter values are invalid."),
        [131016] = ("Service unavailable", "A service is temporarily unavailable. Please try again later."),
        [131021] = ("Recipient cannot be sender", "Sender and recipient phone number is the same."),
        [131026] = ("Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number."),
        [131031] = ("Account has been locked", "The WhatsApp Business Account is restricted or disabled for violating a platform policy."),
        [131042] = ("Business eligibility payment issue", "Message failed to send because there were one or more errors related to your payment method."),
        [131047] = ("Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
        [131048] = ("Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number."),
        [131049] = ("This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
        [131050] = ("Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", "The user has stopped marketing messages from this business."),
        [131051] = ("Unsupported message type", "Message type is not currently supported."),
        [131052] = ("Media download error", "Unable to download the media sent by the user."),
        [131053] = ("Media upload error", "Unable to upload the media used in the message."),
        [131056] = ("(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."),
        [131057] = ("Account in maintenance mode", "Business Account is in maintenance mode."),
        [132000] = ("Template Param Count Mismatch", "The number of variable parameter values does not match the number of variable parameters defined in the template."),
        [132001] = ("Template does not exist", "The template does not exist in the specified language or the template has not been approved."),
        [132015] = ("Template is Paused", "Template is paused due to low quality so it cannot be sent in a template message."),
        [132016] = ("Template is Disabled", "Template has been paused too many times due to low quality and is now permanently disabled."),
        [133010] = ("Account not registered", "Phone number not registered on the WhatsApp Business Platform."),
        [368] = ("Temporarily blocked for policies violations", "The WhatsApp Business Account associated with the app has been restricted or disabled."),
    };

    /// <summary>Codes Meta reports after accepting the send, as a `failed` status webhook.</summary>
    public static readonly IReadOnlySet<int> Asynchronous = new HashSet<int> { 131026, 131047, 131049, 131050, 131052, 131053, 132015 };

    public static GraphError InvalidToken() => new(401, 190, Known[190].Title, Known[190].Details);

    public static GraphError InvalidParameter(string details) => new(400, 100, "(#100) Invalid parameter", details);

    public static GraphError MissingParameter(string name) =>
        new(400, 100, $"(#100) The parameter {name} is required.", $"The parameter {name} is required.");

    public static GraphError UnknownObject(string id, string method) => new(400, 100,
        $"Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
        "Object does not exist or the access token cannot see it.", Subcode: 33);

    public static GraphError Throughput() => FromCode(130429);

    public static GraphError PairRateLimit() => FromCode(131056);

    /// <summary>An error with a known code's title; HTTP 401 for 190, otherwise 400 unless told.</summary>
    public static GraphError FromCode(int code, int? httpStatus = null, string? details = null)
    {
        var (title, knownDetails) = Known.TryGetValue(code, out var known) ? known : ("Error", "The simulator was told to fail this call.");
        var message = code == 190 ? title : $"(#{code}) {title}";
        return new GraphError(httpStatus ?? (code == 190 ? 401 : 400), code, message, details ?? knownDetails);
    }

    /// <summary>The title and details a `failed` status webhook carries for this code.</summary>
    public static JsonObject StatusError(int code)
    {
        var (title, details) = Known.TryGetValue(code, out var known) ? known : ("Error", "Message failed to send.");
        return new JsonObject
        {
            ["code"] = code,
            ["title"] = title,
            ["message"] = title,
            ["error_data"] = new JsonObject { ["details"] = details },
            ["href"] = DocsHref,
        };
    }

    public IResult ToResult()
    {
        var error = new JsonObject
        {
            ["message"] = Message,
            ["type"] = "OAuthException",
            ["code"] = Code,
        };
        if (Subcode is { } subcode) error["error_subcode"] = subcode;
        error["error_data"] = new JsonObject { ["messaging_product"] = "whatsapp", ["details"] = Details };
        error["fbtrace_id"] = NewTraceId();
        return new GraphJson(new JsonObject { ["error"] = error }, HttpStatus);
    }

    private static string NewTraceId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'A').Replace('/', 'B');
}

/// <summary>A Graph answer, written with Meta's JSON escaping.</summary>
public sealed class GraphJson(JsonNode body, int statusCode = StatusCodes.Status200OK) : IResult
{
    public JsonNode Body { get; } = body;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = "application/json; charset=UTF-8";
        if (statusCode == StatusCodes.Status401Unauthorized)
            httpContext.Response.Headers.WWWAuthenticate = "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token\"";
        return httpContext.Response.Body.WriteAsync(MetaJson.Encode(Body)).AsTask();
    }
}
