import { api } from '../api/client';
import type { Conversation, Message } from '../api/types';
import { summary } from '../format/format';
import { navigate } from '../lib/router';
import { useLive } from '../store/live';
import { HubEvents } from './events';

// Browser notifications of customer messages while the tab is hidden: permission is asked once, from a visible
// control (browsers ignore a request no click started); one notification per conversation (a newer one replaces
// it); an optional sound; nothing for a conversation the agent muted.

const SOUND_KEY = 'inbox.notification-sound';
/** A message older than this (a catch-up after a long gap) is not announced again. */
const FRESH_MS = 2 * 60_000;

export const notificationsSupported = () => typeof window !== 'undefined' && 'Notification' in window;

export function soundOn(): boolean {
  return localStorage.getItem(SOUND_KEY) === 'on';
}

export function setSound(on: boolean) {
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
}

/** Whether a new message deserves a notification: a customer's, recent, while the tab is hidden, not muted. */
export function shouldNotify(m: Message, conversation: Conversation | undefined, hidden: boolean, now = Date.now()): boolean {
  return hidden && m.direction === 'inbound' && !conversation?.muted && now - Date.parse(m.sentAt) < FRESH_MS;
}

/** The tab's title: the agent's unread total (muted conversations left out), so a background tab shows it. */
export function titleFor(conversations: Record<string, Conversation>, base = 'Inbox'): string {
  const total = Object.values(conversations)
    .filter((c) => !c.muted)
    .reduce((n, c) => n + (c.myUnreadCount ?? c.unreadCount), 0);
  return total > 0 ? `(${total}) ${base}` : base;
}

/** Called for every applied stream event; raises a notification for a new customer message when it should. */
export async function notifyOf(name: string, payload: unknown) {
  if (name !== HubEvents.MessageNew || !notificationsSupported() || Notification.permission !== 'granted') return;
  const message = (payload as { message: Message }).message;
  if (!shouldNotify(message, undefined, document.visibilityState === 'hidden')) return;
  // Its conversation may not be listed here yet (its conversation:updated follows; or a page not loaded): ask for
  // it, which also says whether this agent muted it.
  const conversation = useLive.getState().conversations[message.conversationId] ?? (await fetchConversation(message.conversationId));
  if (!conversation || !shouldNotify(message, conversation, document.visibilityState === 'hidden')) return;
  const who = conversation.contactName || `+${conversation.contactWaId}`;
  const n = new Notification(who, { body: summary(message), tag: message.conversationId });
  n.onclick = () => {
    window.focus();
    navigate(`/c/${message.conversationId}`);
    n.close();
  };
  if (soundOn()) beep();
}

async function fetchConversation(id: string): Promise<Conversation | undefined> {
  const fetched = await api<Conversation>(`/api/conversations/${id}`).catch(() => undefined);
  if (fetched && !useLive.getState().conversations[id]) useLive.getState().mergeConversations([fetched]);
  return fetched;
}

/** A short two-tone chime, made on the spot: no audio file to load. */
function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.setValueAtTime(880, audio.currentTime);
    tone.frequency.setValueAtTime(660, audio.currentTime + 0.12);
    volume.gain.setValueAtTime(0.08, audio.currentTime);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
    tone.onended = () => void audio.close();
  } catch {
    /* no audio device: the notification alone */
  }
}
