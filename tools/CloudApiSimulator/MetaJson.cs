using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Writes JSON the way Meta sends it: compact, every non-ASCII character as a lowercase \uXXXX escape (characters
/// outside the BMP as their UTF-16 surrogate pair, e.g. 👍 → \ud83d\udc4d) and '/' as '\/'. The output is pure
/// ASCII. System.Text.Json cannot be configured to produce these bytes (it escapes in uppercase and leaves '/' alone).
/// </summary>
public static class MetaJson
{
    public static byte[] Encode(JsonNode? node) => Encoding.ASCII.GetBytes(EncodeToString(node));

    public static string EncodeToString(JsonNode? node)
    {
        var text = new StringBuilder(256);
        Write(text, node);
        return text.ToString();
    }

    /// <summary>Re-encodes any JSON document (e.g. a payload given to the control API) in Meta's form.</summary>
    public static byte[] Encode(JsonElement element) => Encode(JsonNode.Parse(element.GetRawText()));

    private static void Write(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var firstProperty = true;
                foreach (var (name, value) in obj)
                {
                    if (!firstProperty) text.Append(',');
                    firstProperty = false;
                    WriteString(text, name);
                    text.Append(':');
                    Write(text, value);
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) text.Append(',');
                    Write(text, array[i]);
                }
                text.Append(']');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(text, value.GetValue<string>());
                break;
            default: // numbers, true, false: System.Text.Json's compact form is already ASCII
                text.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '/': text.Append("\\/"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                        text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
