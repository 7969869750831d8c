namespace Inbox.Contracts;

/// <summary>
/// The one catalog of event names the Realtime hub sends to browsers.
/// Mirrored for the web client in frontend/src/realtime/events.ts — change both together.
/// </summary>
public static class HubEvents
{
    public const string MessageNew = "message:new";
    public const string MessageStatus = "message:status";
    public const string MessageUpdated = "message:updated";
    public const string ConversationUpdated = "conversation:updated";
    public const string TypingStart = "typing:start";
    public const string TypingStop = "typing:stop";
}
