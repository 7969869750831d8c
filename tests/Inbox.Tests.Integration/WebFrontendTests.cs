using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Api.Auth;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// The Api serves the built web inbox (frontend/dist) with its single-page routes, tells it where the hub is, and
/// Realtime lets the inbox's origin connect cross-origin. The browser side is tested by frontend/e2e.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebFrontendTests(WebFrontendTests.ApiWithFrontend host) : IClassFixture<WebFrontendTests.ApiWithFrontend>
{
    private const string Origin = "http://127.0.0.1:5080";
    private readonly ServiceHost<AccessTokenIssuer> _api = host.Api;

    /// <summary>An Api serving a small built app from a temporary folder.</summary>
    public sealed class ApiWithFrontend : IDisposable
    {
        private readonly string _dist = Directory.CreateTempSubdirectory("inbox-dist-").FullName;

        public ApiWithFrontend()
        {
            File.WriteAllText(Path.Combine(_dist, "index.html"), "<!doctype html><div id=root></div>");
            Directory.CreateDirectory(Path.Combine(_dist, "assets"));
            File.WriteAllText(Path.Combine(_dist, "assets", "index-abc123.js"), "console.log(1)");
            Api = new ServiceHost<AccessTokenIssuer>(new()
            {
                ["Frontend:Path"] = _dist,
                ["Frontend:RealtimeUrl"] = "http://127.0.0.1:5082/hubs/inbox",
            }).Start();
        }

        public ServiceHost<AccessTokenIssuer> Api { get; }

        public void Dispose()
        {
            Api.Dispose();
            Directory.Delete(_dist, recursive: true);
        }
    }

    [Fact]
    public async Task The_client_config_names_the_hub_without_a_login()
    {
        var config = await _api.Http.GetFromJsonAsync<JsonElement>("/api/client-config");
        Assert.Equal("http://127.0.0.1:5082/hubs/inbox", config.GetProperty("realtimeUrl").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/c/01a23a8d-661d-7178-aae9-e57cf6f08e84")]
    [InlineData("/invite/some-token")]
    public async Task Every_app_route_is_the_app_and_always_revalidated(string path)
    {
        var response = await _api.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=root", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year()
    {
        var response = await _api.Http.GetAsync("/assets/index-abc123.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
        Assert.Contains("immutable", response.Headers.CacheControl!.ToString());
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/api/conversations/not-a-guid/more")]
    public async Task An_unknown_api_path_stays_an_api_404_problem(string path)
    {
        var response = await _api.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Realtime_lets_the_configured_origin_connect_and_no_other()
    {
        using var realtime = new ServiceHost<InboxHub>(new()
        {
            ["Realtime:InstanceId"] = $"test-cors-{Guid.NewGuid():N}",
            ["Realtime:AllowedOrigins"] = $"{Origin}, http://localhost:5080",
        }).Start();

        async Task<HttpResponseMessage> Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/hubs/inbox/negotiate?negotiateVersion=1");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,x-requested-with");
            return await realtime.Http.SendAsync(request);
        }

        var allowed = await Preflight(Origin);
        Assert.Equal(Origin, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        var other = await Preflight("http://evil.example");
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
