using System.Net;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class HealthTests(InboxStack stack)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/health")]
    public async Task Every_service_answers_its_health_endpoints(string path)
    {
        foreach (var http in new[] { stack.Api.Http, stack.Ingest.Http, stack.Realtime.Http, stack.Workers.Http })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task The_api_publishes_its_openapi_document()
    {
        var response = await stack.Api.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("/api/conversations", await response.Content.ReadAsStringAsync());
    }
}
