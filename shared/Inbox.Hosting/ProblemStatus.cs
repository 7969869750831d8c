using Microsoft.AspNetCore.Http;

namespace Inbox.Hosting;

public static class ProblemStatus
{
    /// <summary>A request the framework could not read (malformed JSON, a wrong type) is the client's 400, not our 500.</summary>
    public static int ForException(Exception exception) =>
        exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
}
