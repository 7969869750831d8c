using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.CloudApiSimulator;

namespace Inbox.Tests.Simulator;

public sealed class MetaJsonTests
{
    [Fact]
    public void Non_ascii_becomes_lowercase_u_escapes_emoji_surrogate_pairs_and_slashes_are_escaped()
    {
        var json = MetaJson.EncodeToString(new JsonObject { ["body"] = "café 👍 https://x.test/a \"q\" \\ é\n\t\u0001<>&'" });

        Assert.Equal("""{"body":"caf\u00e9 \ud83d\udc4d https:\/\/x.test\/a \"q\" \\ \u00e9\n\t\u0001<>&'"}""", json);
    }

    [Fact]
    public void Output_is_compact_keeps_key_order_and_types_and_round_trips()
    {
        var node = new JsonObject
        {
            ["z"] = 1,
            ["a"] = new JsonArray(1.5, true, false, null, "ü"),
            ["nested"] = new JsonObject { ["latitude"] = 52.520008, ["name"] = "Zoë" },
        };

        var json = MetaJson.EncodeToString(node);

        Assert.Equal("""{"z":1,"a":[1.5,true,false,null,"\u00fc"],"nested":{"latitude":52.520008,"name":"Zo\u00eb"}}""", json);
        Assert.True(JsonNode.DeepEquals(node, JsonNode.Parse(json)));
    }

    [Fact]
    public void Any_document_can_be_re_encoded()
    {
        using var document = JsonDocument.Parse("""{ "a" : [ 1 , "é/" ] }""");
        Assert.Equal("""{"a":[1,"\u00e9\/"]}"""u8.ToArray(), MetaJson.Encode(document.RootElement));
    }
}
