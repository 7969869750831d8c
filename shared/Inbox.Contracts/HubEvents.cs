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
    public const string ConversationAssigned = "conversation:assigned";
    public const string PresenceUpdate = "presence:update";
    public const string ViewingUpdate = "viewing:update";

    /// <summary>The name a stream event is pushed (and replayed) under.</summary>
    public static string NameOf(Type streamEventType) =>
        streamEventType == typeof(MessageReceived) || streamEventType == typeof(MessageCreated) ? MessageNew
        : streamEventType == typeof(MessageStatusChanged) ? MessageStatus
        : streamEventType == typeof(global::Inbox.Contracts.MessageUpdated) ? MessageUpdated
        : streamEventType == typeof(global::Inbox.Contracts.ConversationUpdated) ? ConversationUpdated
        : throw new ArgumentException($"{streamEventType.Name} has no hub event name.");
}
