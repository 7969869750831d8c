using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.Api;

/// <summary>
/// Every error of the API is RFC 7807 problem details. The ones a client branches on carry a stable type URI
/// (urn:inbox:problem:…); validation errors name their fields.
/// </summary>
public static class Problems
{
    public const string WindowClosed = "urn:inbox:problem:window-closed";
    public const string NotLatest = "urn:inbox:problem:not-latest-message";
    public const string IdempotencyKeyReused = "urn:inbox:problem:idempotency-key-reused";
    public const string UnknownTemplate = "urn:inbox:problem:unknown-template";
    public const string TemplateNotApproved = "urn:inbox:problem:template-not-approved";
    public const string Conflict = "urn:inbox:problem:conflict";
    public const string NotFoundType = "urn:inbox:problem:not-found";
    public const string Forbidden = "urn:inbox:problem:forbidden";
    public const string NoSeats = "urn:inbox:problem:no-seats";
    public const string LastOwner = "urn:inbox:problem:last-owner";
    public const string InviteGone = "urn:inbox:problem:invite-gone";
    public const string ChannelDisabled = "urn:inbox:problem:channel-disabled";
    public const string RateLimited = "urn:inbox:problem:rate-limited";
    public const string FileTooLarge = "urn:inbox:problem:file-too-large";
    public const string UnsupportedFile = "urn:inbox:problem:unsupported-file";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem($"{what} was not found.", statusCode: StatusCodes.Status404NotFound, title: "Not found", type: NotFoundType);

    public static ProblemHttpResult Status(int status, string type, string title, string detail,
        IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: type, extensions: extensions);

    public static ProblemHttpResult AdminOnly() =>
        TypedResults.Problem("Only an owner or admin of the tenant may do this.", statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden", type: Forbidden);

    public static ProblemHttpResult OwnerOnly() =>
        TypedResults.Problem("Only an owner of the tenant may do this.", statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden", type: Forbidden);

    public static ProblemHttpResult ConflictProblem(string title, string detail) =>
        Status(StatusCodes.Status409Conflict, Conflict, title, detail);

    /// <summary>429 with Retry-After (whole seconds, at least 1), also in the body as retryAfterSeconds.</summary>
    public static ProblemHttpResult TooManyRequests(HttpResponse response, TimeSpan retryAfter, string detail)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Status(StatusCodes.Status429TooManyRequests, RateLimited, "Too many requests", detail,
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    /// <summary>A wrong address and a wrong password get this same 401, so the answer does not tell which was wrong.</summary>
    public static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem("The email or password is incorrect.", statusCode: StatusCodes.Status401Unauthorized,
            title: "Invalid credentials");

    public static ProblemHttpResult TooManyFailedLogins(HttpResponse response, TimeSpan wait) =>
        TooManyRequests(response, wait, "Too many failed logins for this address; wait before trying again.");

    public static ValidationProblem Invalid(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [error] });

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);
}

/// <summary>Collects validation errors by field name.</summary>
public sealed class Validation
{
    public Dictionary<string, string[]> Errors { get; } = [];

    public bool IsValid => Errors.Count == 0;

    public Validation Add(string field, string error)
    {
        Errors[field] = Errors.TryGetValue(field, out var existing) ? [.. existing, error] : [error];
        return this;
    }

    public Validation Check(bool condition, string field, string error) => condition ? this : Add(field, error);
}
