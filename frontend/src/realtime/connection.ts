import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { accessToken, api, ApiError } from '../api/client';
import type { EventPage } from '../api/types';
import { useLive, type Viewer } from '../store/live';
import { useToasts } from '../store/toasts';
import { HubEvents } from './events';
import { notifyOf } from './notifications';
import { ActivityTracker, type AgentPresence } from './presence';
import { StreamFollower } from './stream';

// The one hub connection of the page: SignalR with automatic reconnect (forever, backing off to 5 s), and after
// every (re)connect a catch-up from the last applied position, so a dropped network loses nothing.

const retryDelays = [0, 1000, 2000, 3000, 5000];

let connection: HubConnection | null = null;
let follower: StreamFollower | null = null;
let joined: string | null = null;
let restartTimer: ReturnType<typeof setTimeout> | undefined;
let onResync: (() => void) | null = null;
let activity = new ActivityTracker(Date.now());
let presenceHeld: unknown[] | null = null; // presence:update that arrived while the snapshot was being read

const fetchEvents = (after: number) => api<EventPage>(`/api/events?after=${after}&limit=500`);

/** The stream's newest position (asking after the largest position returns no events, only latestPosition). */
const latestPosition = async () => (await api<EventPage>(`/api/events?after=${Number.MAX_SAFE_INTEGER}&limit=1`)).latestPosition;

async function catchUp() {
  if (!follower) return;
  try {
    await follower.catchUp(fetchEvents);
  } catch (e) {
    if (e instanceof ApiError && e.status === 410) {
      // Away longer than the server keeps events: start over from fresh lists.
      useToasts.getState().show('You were away for a long time: the inbox was reloaded.');
      follower.startAt(await latestPosition());
      onResync?.();
    } else {
      throw e;
    }
  }
}

async function rejoin() {
  if (joined && connection?.state === HubConnectionState.Connected) {
    await connection.invoke('JoinConversation', joined);
    useLive.getState().setViewers(joined, await connection.invoke<Viewer[]>('GetViewers', joined));
  }
}

/**
 * After every (re)connect: the hub starts a connection as active, so an agent idle for a while says so (Idle) and
 * stays away; then the tenant's presence is read whole, and the updates that came meanwhile are applied on top.
 */
async function syncPresence() {
  const c = connection;
  if (c?.state !== HubConnectionState.Connected) return;
  const idle = activity.connected(Date.now());
  presenceHeld = [];
  try {
    if (idle !== null) await c.invoke('Idle', idle);
    useLive.getState().setPresence(await c.invoke<({ userId: string } & AgentPresence)[]>('GetPresence'));
  } catch {
    /* a moment, not the stream: presence:update goes on, and the next reconnect reads it whole again */
  } finally {
    const held = presenceHeld;
    presenceHeld = null;
    for (const payload of held ?? []) useLive.getState().applyEvent(HubEvents.PresenceUpdate, payload);
  }
}

/** Something the agent did in the page: a heartbeat when one is due (see ActivityTracker). */
function onInput() {
  if (!activity.input(Date.now())) return;
  if (connection?.state === HubConnectionState.Connected) connection.invoke('Heartbeat').catch(() => {});
}

const inputEvents = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

async function startConnection() {
  const c = connection;
  if (!c) return;
  try {
    await c.start();
    useLive.getState().setConnection('live');
    await rejoin();
    await syncPresence();
    await catchUp();
  } catch {
    if (connection !== c) return;
    useLive.getState().setConnection(navigator.onLine ? 'reconnecting' : 'offline');
    restartTimer = setTimeout(startConnection, 3000);
  }
}

/**
 * Connects the signed-in agent. `resync` is called when the client must reload its lists (410 on catch-up).
 * The starting position is read before the first lists load, so every later event is applied on top of them.
 */
export async function connectRealtime(hubUrl: string, resync: () => void) {
  // A thread opened from the URL (a reload of /c/{id}) asked for its room before there was a connection: keep it, so
  // the first start joins it (else its ticks would never move).
  const showing = joined;
  await disconnectRealtime();
  joined = showing;
  onResync = resync;
  const f = (follower = new StreamFollower((name, payload) => {
    useLive.getState().applyEvent(name, payload);
    void notifyOf(name, payload);
  }));
  const c = (connection = new HubConnectionBuilder()
    .withUrl(hubUrl, { accessTokenFactory: accessToken })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelays[Math.min(ctx.previousRetryCount, retryDelays.length - 1)] })
    .withStatefulReconnect()
    .configureLogging(LogLevel.None)
    .build());
  for (const name of Object.values(HubEvents)) {
    c.on(name, (payload: unknown) => {
      if (name === HubEvents.PresenceUpdate && presenceHeld) presenceHeld.push(payload);
      else f.receive(name, payload);
    });
  }
  activity = new ActivityTracker(Date.now());
  for (const name of inputEvents) window.addEventListener(name, onInput, { passive: true, capture: true });
  // For the browser tests and for debugging from the console: where the stream is.
  (window as unknown as { __inboxStream: StreamFollower }).__inboxStream = f;
  c.onreconnecting(() => {
    f.hold();
    useLive.getState().setConnection(navigator.onLine ? 'reconnecting' : 'offline');
  });
  c.onreconnected(async () => {
    useLive.getState().setConnection('live');
    try {
      await rejoin();
      await syncPresence();
      await catchUp();
    } catch {
      /* the next reconnect catches up again */
    }
  });
  c.onclose(() => {
    if (connection !== c) return; // stopped on purpose
    f.hold();
    useLive.getState().setConnection('offline');
    restartTimer = setTimeout(startConnection, 3000);
  });
  try {
    f.startAt(await latestPosition());
  } catch {
    /* offline at start: the first catch-up replays the retained stream from 0 — slower, never wrong */
  }
  f.hold();
  await startConnection();
}

export async function disconnectRealtime() {
  clearTimeout(restartTimer);
  const c = connection;
  connection = null;
  follower = null;
  joined = null;
  for (const name of inputEvents) window.removeEventListener(name, onInput, { capture: true });
  if (c) await c.stop().catch(() => {});
}

// For the browser tests: as if the agent had done nothing for this long (what a reconnect would then report).
if (typeof window !== 'undefined') {
  (window as unknown as { __inboxIdleFor: (seconds: number) => Promise<void> }).__inboxIdleFor = async (seconds) => {
    activity.idleFor(seconds, Date.now());
    await syncPresence();
  };
}

/** Opens a conversation's room (ticks, reactions, typing, viewers); leaves the previous one. */
export async function viewConversation(id: string | null) {
  const c = connection;
  const previous = joined;
  joined = id;
  if (!c || c.state !== HubConnectionState.Connected) return;
  try {
    if (previous && previous !== id) await c.invoke('LeaveConversation', previous);
    if (id) {
      await c.invoke('JoinConversation', id);
      useLive.getState().setViewers(id, await c.invoke<Viewer[]>('GetViewers', id));
    }
  } catch {
    /* reconnect rejoins */
  }
}

let lastTypingCall = 0;

/** Called on each keystroke; the hub throttles what others hear, this only spares the wire. */
export function typing(conversationId: string, isPrivate: boolean) {
  const now = Date.now();
  if (now - lastTypingCall < 1500 || connection?.state !== HubConnectionState.Connected) return;
  lastTypingCall = now;
  connection.invoke('StartTyping', conversationId, isPrivate).catch(() => {});
}

export function stopTyping(conversationId: string) {
  lastTypingCall = 0;
  if (connection?.state === HubConnectionState.Connected) connection.invoke('StopTyping', conversationId).catch(() => {});
}
