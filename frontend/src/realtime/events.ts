// The hub's event names — a mirror of shared/Inbox.Contracts/HubEvents.cs (a unit test keeps the two equal).
export const HubEvents = {
  MessageNew: 'message:new',
  MessageStatus: 'message:status',
  MessageUpdated: 'message:updated',
  ConversationUpdated: 'conversation:updated',
  TypingStart: 'typing:start',
  TypingStop: 'typing:stop',
  ConversationAssigned: 'conversation:assigned',
  PresenceUpdate: 'presence:update',
  ViewingUpdate: 'viewing:update',
} as const;

export type HubEventName = (typeof HubEvents)[keyof typeof HubEvents];
