using System.Net.Http.Json;
using System.Text.Json;

namespace Inbox.Tests.Simulator.Infrastructure;

public static class GraphErrors
{
    /// <summary>Reads Meta's error envelope, checks its required parts, and returns error{}.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, int expectedCode)
    {
        var text = await response.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(expectedCode, error.GetProperty("code").GetInt32());
        Assert.Equal("OAuthException", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), text);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error_data").GetProperty("details").GetString()), text);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("fbtrace_id").GetString()), text);
        return error;
    }
}

public static class Control
{
    public static async Task FailNextAsync(SimulatorHost sim, object plan)
    {
        var response = await sim.Http.PostAsJsonAsync("/simulator/failures", plan);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
