using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// What a client does to miss nothing: remember the last stream position applied; after a reconnect, hold live
/// events, fetch everything after that position from the API, then apply both in position order, each once.
/// (The web client does the same; this is its executable specification.)
/// </summary>
public sealed class StreamFollower(HttpClient api, string accessToken)
{
    private readonly List<(long Position, string Name, JsonElement Payload)> _applied = [];

    public long LastPosition { get; private set; }

    public IReadOnlyList<(long Position, string Name, JsonElement Payload)> Applied => _applied;

    /// <summary>Applies live events received from a hub connection (in the order received).</summary>
    public void ApplyLive(IEnumerable<(string Name, JsonElement Payload)> events)
    {
        // Presence, viewers and typing are moments, not part of the stream: they carry no position.
        foreach (var (name, payload) in events)
        {
            if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("position", out var position))
                Apply(position.GetInt64(), name, payload);
        }
    }

    /// <summary>Fetches and applies everything after the last applied position, page by page.</summary>
    public async Task CatchUpAsync()
    {
        while (true)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events?after={LastPosition}&limit=100");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            var response = await api.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var e in page.GetProperty("events").EnumerateArray())
                Apply(e.GetProperty("position").GetInt64(), e.GetProperty("name").GetString()!, e.GetProperty("payload"));
            if (!page.GetProperty("hasMore").GetBoolean()) return;
        }
    }

    private void Apply(long position, string name, JsonElement payload)
    {
        if (position <= LastPosition) return; // already applied: a duplicate
        _applied.Add((position, name, payload));
        LastPosition = position;
    }
}
