import { create } from 'zustand';
import type { Conversation, Message, Reaction, Media } from '../api/types';
import { HubEvents } from '../realtime/events';
import type { AgentPresence } from '../realtime/presence';

// Live state of the inbox: every conversation and message the client knows, as loaded by queries (TanStack
// Query fetches, then merges here) and moved on by stream events; plus moments (typing, viewers, presence) and
// the connection state. One place applies both, so a row never shows two truths.

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface Typist {
  userId: string;
  userName: string;
  isPrivate: boolean;
  at: number;
}

export interface Viewer {
  userId: string;
  userName: string;
}

export interface LiveState {
  conversations: Record<string, Conversation>;
  messages: Record<string, Record<string, Message>>;
  typing: Record<string, Record<string, Typist>>;
  viewers: Record<string, Viewer[]>;
  /** By user id: the tenant's agents the hub reports online or away (absent: offline). */
  presence: Record<string, AgentPresence>;
  connection: ConnectionState;
  openConversationId: string | null;
  meId: string | null;

  mergeConversations: (items: Conversation[]) => void;
  mergeMessages: (items: Message[]) => void;
  applyEvent: (name: string, payload: unknown) => void;
  setConnection: (state: ConnectionState) => void;
  setOpenConversation: (id: string | null) => void;
  markRead: (conversationId: string) => void;
  setViewers: (conversationId: string, viewers: Viewer[]) => void;
  /** The hub's snapshot (GetPresence) on (re)connect: it replaces what was known (anyone missing is offline). */
  setPresence: (agents: ({ userId: string } & AgentPresence)[]) => void;
  reset: (meId: string | null) => void;
}

const statusRank: Record<string, number> = { queued: 0, sent: 1, failed: 1.5, delivered: 2, read: 3, played: 4 };

/** Statuses only move forward (the server's state machine is monotonic; a late page must not move one back). */
export function laterStatus(current: Message | undefined, incoming: Message): Message {
  if (!current || current.status == null || incoming.status == null) return incoming;
  const a = statusRank[current.status] ?? 0;
  const b = statusRank[incoming.status] ?? 0;
  if (b >= a) return incoming;
  return {
    ...incoming,
    status: current.status,
    statusAt: current.statusAt,
    wamid: incoming.wamid ?? current.wamid,
    errorCode: current.errorCode,
    errorTitle: current.errorTitle,
    errorDetails: current.errorDetails,
  };
}

/** The order of the list: most recent activity first. */
export function activityOf(c: Conversation): string {
  return c.lastActivityAt ?? c.lastMessageAt ?? '';
}

export function byActivity(a: Conversation, b: Conversation): number {
  const x = activityOf(a);
  const y = activityOf(b);
  return x < y ? 1 : x > y ? -1 : a.id < b.id ? 1 : -1;
}

/** A conversation snapshot from an event has no per-agent count or mute: keep ours (message:new moves the count);
 * a conversation new to this client starts from the team's count (nobody has read it), unmuted. */
export function withMine(previous: Conversation | undefined, next: Conversation): Conversation {
  return {
    ...next,
    myUnreadCount: next.myUnreadCount ?? previous?.myUnreadCount ?? next.unreadCount,
    muted: next.muted ?? previous?.muted ?? false,
  };
}

const initial = {
  conversations: {},
  messages: {},
  typing: {},
  viewers: {},
  presence: {},
  connection: 'connecting' as ConnectionState,
  openConversationId: null,
  meId: null,
};

export const useLive = create<LiveState>((set, get) => ({
  ...initial,

  mergeConversations: (items) =>
    set((s) => {
      const conversations = { ...s.conversations };
      for (const c of items) conversations[c.id] = c;
      return { conversations };
    }),

  mergeMessages: (items) =>
    set((s) => {
      const messages = { ...s.messages };
      for (const m of items) {
        const thread = (messages[m.conversationId] = { ...messages[m.conversationId] });
        thread[m.id] = laterStatus(thread[m.id], m);
      }
      return { messages };
    }),

  applyEvent: (name, payload) => {
    const p = payload as Record<string, unknown>;
    switch (name) {
      case HubEvents.MessageNew: {
        const message = p.message as Message;
        const known = get().messages[message.conversationId]?.[message.id];
        get().mergeMessages([message]);
        if (!known && message.direction === 'inbound' && get().openConversationId !== message.conversationId) {
          set((s) => {
            const c = s.conversations[message.conversationId];
            if (!c) return {};
            return { conversations: { ...s.conversations, [c.id]: { ...c, myUnreadCount: (c.myUnreadCount ?? 0) + 1 } } };
          });
        }
        // An agent's message or note landed: that agent has stopped typing.
        if (message.senderUserId) clearTypist(set, message.conversationId, message.senderUserId);
        break;
      }
      case HubEvents.MessageStatus: {
        const id = p.messageId as string;
        const conversationId = p.conversationId as string;
        const current = get().messages[conversationId]?.[id];
        if (!current) break; // not loaded: its page will come with the current status
        get().mergeMessages([
          {
            ...current,
            wamid: (p.wamid as string | null) ?? current.wamid,
            status: p.status as string,
            statusAt: p.statusAt as string,
            errorCode: (p.errorCode as number | null) ?? null,
            errorTitle: (p.errorTitle as string | null) ?? null,
            errorDetails: (p.errorDetails as string | null) ?? null,
          },
        ]);
        break;
      }
      case HubEvents.MessageUpdated: {
        const current = get().messages[p.conversationId as string]?.[p.messageId as string];
        if (!current) break;
        get().mergeMessages([
          {
            ...current,
            reactions: (p.reactions as Reaction[] | null) ?? current.reactions,
            media: (p.media as Media | null) ?? current.media,
          },
        ]);
        break;
      }
      case HubEvents.ConversationUpdated: {
        const next = p.conversation as Conversation;
        set((s) => ({ conversations: { ...s.conversations, [next.id]: withMine(s.conversations[next.id], next) } }));
        break;
      }
      case HubEvents.TypingStart: {
        if (p.userId === get().meId) break; // the same agent typing in another tab is not "someone typing"
        const conversationId = p.conversationId as string;
        const typist: Typist = {
          userId: p.userId as string,
          userName: p.userName as string,
          isPrivate: Boolean(p.isPrivate),
          at: Date.now(),
        };
        set((s) => ({ typing: { ...s.typing, [conversationId]: { ...s.typing[conversationId], [typist.userId]: typist } } }));
        // The server sends typing:stop; this only guards against a stop lost with the connection.
        setTimeout(() => {
          const t = get().typing[conversationId]?.[typist.userId];
          if (t && Date.now() - t.at >= 9_000) clearTypist(set, conversationId, typist.userId);
        }, 9_500);
        break;
      }
      case HubEvents.TypingStop:
        clearTypist(set, p.conversationId as string, p.userId as string);
        break;
      case HubEvents.ViewingUpdate:
        get().setViewers(p.conversationId as string, p.viewers as Viewer[]);
        break;
      case HubEvents.PresenceUpdate:
        set((s) => ({
          presence: {
            ...s.presence,
            [p.userId as string]: { userName: p.userName as string, state: p.state as string, since: (p.since as string | null) ?? null },
          },
        }));
        break;
    }
  },

  setConnection: (connection) => set({ connection }),
  setOpenConversation: (openConversationId) => set({ openConversationId }),
  markRead: (id) =>
    set((s) => {
      const c = s.conversations[id];
      return c ? { conversations: { ...s.conversations, [id]: { ...c, myUnreadCount: 0, unreadCount: 0 } } } : {};
    }),
  setViewers: (conversationId, viewers) => set((s) => ({ viewers: { ...s.viewers, [conversationId]: viewers } })),
  setPresence: (agents) =>
    set({
      presence: Object.fromEntries(agents.map((a) => [a.userId, { userName: a.userName, state: a.state, since: a.since ?? null }])),
    }),
  reset: (meId) => set({ ...initial, meId }),
}));

function clearTypist(set: (f: (s: LiveState) => Partial<LiveState>) => void, conversationId: string, userId: string) {
  set((s) => {
    if (!s.typing[conversationId]?.[userId]) return {};
    const rest = { ...s.typing[conversationId] };
    delete rest[userId];
    return { typing: { ...s.typing, [conversationId]: rest } };
  });
}

/** A thread's messages in the order they are shown. */
export function orderedMessages(thread: Record<string, Message> | undefined): Message[] {
  if (!thread) return [];
  return Object.values(thread).sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : a.id < b.id ? -1 : 1));
}

// For the browser tests and for debugging from the console: the live store.
if (typeof window !== 'undefined') (window as unknown as { __inboxLive: typeof useLive }).__inboxLive = useLive;
