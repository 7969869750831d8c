using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

/// <summary>The Graph client's rules that need no server: the back-off and where a next page may be fetched.</summary>
public sealed class GraphRetryRuleTests
{
    private static readonly GraphRetrySettings Settings = new(5, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(5));

    [Theory]
    [InlineData(131056, 0, 2)]
    [InlineData(131056, 1, 8)]
    [InlineData(131056, 2, 32)]
    [InlineData(130429, 0, 2)]
    [InlineData(130429, 1, 4)]
    [InlineData(130429, 2, 8)]
    [InlineData(null, 3, 16)] // a connection that could not be opened: no code
    public void The_pair_rate_limit_backs_off_by_4_to_the_n_everything_else_by_2_to_the_n(int? code, int attempt, double seconds)
    {
        for (var i = 0; i < 50; i++) // the jitter is random: ±20 %, never more
            Assert.InRange(GraphResilience.Delay(Settings, code, attempt).TotalSeconds, seconds * 0.8, seconds * 1.2);
    }

    [Fact]
    public void No_wait_is_longer_than_the_maximum_delay() =>
        Assert.Equal(TimeSpan.FromMinutes(1), GraphResilience.Delay(Settings, 131056, 4)); // 2 s × 256 would be 8.5 min

    [Theory]
    [InlineData("https://graph.facebook.com/v24.0/200/phone_numbers?after=QVFI", "QVFI")]
    [InlineData("https://GRAPH.facebook.com/v24.0/200/phone_numbers?after=QVFI", "QVFI")]
    [InlineData("https://graph.facebook.com.evil.test/v24.0/200/phone_numbers?after=QVFI", null)]
    [InlineData("https://evil.test/https://graph.facebook.com/", null)]
    [InlineData(null, null)] // the last page
    public void A_next_page_is_followed_only_under_the_configured_Graph_base_url(string? next, string? cursor)
    {
        var paging = new GraphPaging(new GraphCursors("QVFA", "QVFI"), next);
        Assert.Equal(cursor, paging.NextCursor(new GraphApiOptions("https://graph.facebook.com", "v24.0")));
    }
}
