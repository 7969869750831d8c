import { beforeEach, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api/types';
import { HubEvents } from '../realtime/events';
import { byActivity, laterStatus, orderedMessages, useLive } from './live';

const conversation = (id: string, over: Partial<Conversation> = {}): Conversation => ({
  id, channelId: 'ch', contactId: 'ct', contactName: 'Ana', contactWaId: '1555', status: 'open',
  lastMessageAt: '2026-12-01T10:00:00Z', lastMessagePreview: 'hi', unreadCount: 0, lastInboundAt: null,
  windowClosesAt: null, windowOpen: false, assigneeId: null, assigneeName: null, priority: 'none', labels: [],
  snoozedUntil: null, lastActivityAt: '2026-12-01T10:00:00Z', myUnreadCount: 0, muted: false, ...over,
});

const message = (id: string, over: Partial<Message> = {}): Message => ({
  id, conversationId: 'c1', wamid: null, direction: 'inbound', type: 'text', text: id, content: null,
  sentAt: '2026-12-01T10:00:00Z', status: null, statusAt: null, errorCode: null, errorTitle: null, errorDetails: null,
  replyToWamid: null, forwarded: null, media: null, reactions: [], ...over,
});

const s = () => useLive.getState();

describe('live store', () => {
  beforeEach(() => s().reset('me'));

  it('adds a message once however often message:new arrives, and counts it unread once', () => {
    s().mergeConversations([conversation('c1')]);
    const m = message('m1');
    s().applyEvent(HubEvents.MessageNew, { conversationId: 'c1', message: m, position: 1 });
    s().applyEvent(HubEvents.MessageNew, { conversationId: 'c1', message: m, position: 1 });
    expect(Object.keys(s().messages.c1)).toEqual(['m1']);
    expect(s().conversations.c1.myUnreadCount).toBe(1);
  });

  it('does not count a message in the conversation the agent has open', () => {
    s().mergeConversations([conversation('c1')]);
    s().setOpenConversation('c1');
    s().applyEvent(HubEvents.MessageNew, { conversationId: 'c1', message: message('m1'), position: 1 });
    expect(s().conversations.c1.myUnreadCount).toBe(0);
  });

  it('moves ticks forward on message:status and never back (a late page cannot undo a read)', () => {
    const sent = message('m1', { direction: 'outbound', status: 'queued' });
    s().mergeMessages([sent]);
    s().applyEvent(HubEvents.MessageStatus, { conversationId: 'c1', messageId: 'm1', wamid: 'w1', status: 'delivered', statusAt: 't2' });
    s().applyEvent(HubEvents.MessageStatus, { conversationId: 'c1', messageId: 'm1', wamid: 'w1', status: 'read', statusAt: 't3' });
    s().applyEvent(HubEvents.MessageStatus, { conversationId: 'c1', messageId: 'm1', wamid: 'w1', status: 'sent', statusAt: 't1' });
    expect(s().messages.c1.m1.status).toBe('read');
    s().mergeMessages([{ ...sent, status: 'sent' }]); // an older page
    expect(s().messages.c1.m1).toMatchObject({ status: 'read', wamid: 'w1' });
  });

  it('keeps a failure and its reason', () => {
    s().mergeMessages([message('m1', { direction: 'outbound', status: 'queued' })]);
    s().applyEvent(HubEvents.MessageStatus, { conversationId: 'c1', messageId: 'm1', status: 'failed', statusAt: 't', errorCode: 131047, errorTitle: 'Re-engagement message' });
    expect(s().messages.c1.m1).toMatchObject({ status: 'failed', errorCode: 131047, errorTitle: 'Re-engagement message' });
  });

  it('ignores a status for a message not loaded (its page will bring the current one)', () => {
    s().applyEvent(HubEvents.MessageStatus, { conversationId: 'c1', messageId: 'nope', status: 'read', statusAt: 't' });
    expect(s().messages.c1).toBeUndefined();
  });

  it('applies reactions and media from message:updated', () => {
    s().mergeMessages([message('m1', { media: { status: 'pending', mimeType: 'image/jpeg', filename: null, size: null, url: '/x' } })]);
    s().applyEvent(HubEvents.MessageUpdated, { conversationId: 'c1', messageId: 'm1', reactions: [{ contactId: 'k', emoji: '👍', reactedAt: 't' }], media: { status: 'ready', mimeType: 'image/jpeg', filename: null, size: 10, url: '/x' } });
    expect(s().messages.c1.m1.reactions[0].emoji).toBe('👍');
    expect(s().messages.c1.m1.media?.status).toBe('ready');
  });

  it('replaces a row on conversation:updated but keeps the agent\'s own unread count', () => {
    s().mergeConversations([conversation('c1', { myUnreadCount: 3 })]);
    s().applyEvent(HubEvents.ConversationUpdated, { conversation: conversation('c1', { status: 'resolved', unreadCount: 5, myUnreadCount: null }), position: 9 });
    expect(s().conversations.c1).toMatchObject({ status: 'resolved', unreadCount: 5, myUnreadCount: 3 });
  });

  it('a conversation first seen in an event starts with the team\'s unread count', () => {
    s().applyEvent(HubEvents.ConversationUpdated, { conversation: conversation('c9', { unreadCount: 1, myUnreadCount: null }), position: 2 });
    expect(s().conversations.c9.myUnreadCount).toBe(1);
  });

  it('tracks typing per conversation and agent until typing:stop or the agent\'s message', () => {
    s().applyEvent(HubEvents.TypingStart, { conversationId: 'c1', userId: 'u1', userName: 'Bea', isPrivate: false });
    expect(Object.values(s().typing.c1).map((t) => t.userName)).toEqual(['Bea']);
    s().applyEvent(HubEvents.MessageNew, { conversationId: 'c1', message: message('m2', { direction: 'outbound', senderUserId: 'u1' }), position: 3 });
    expect(s().typing.c1).toEqual({});
    s().applyEvent(HubEvents.TypingStart, { conversationId: 'c1', userId: 'u1', userName: 'Bea', isPrivate: true });
    s().applyEvent(HubEvents.TypingStop, { conversationId: 'c1', userId: 'u1' });
    expect(s().typing.c1).toEqual({});
  });

  it('ignores the signed-in agent\'s own typing from another tab', () => {
    s().applyEvent(HubEvents.TypingStart, { conversationId: 'c1', userId: 'me', userName: 'Me', isPrivate: false });
    expect(s().typing.c1).toBeUndefined();
    s().applyEvent(HubEvents.TypingStart, { conversationId: 'c1', userId: 'u2', userName: 'Bea', isPrivate: false });
    expect(Object.keys(s().typing.c1)).toEqual(['u2']);
  });

  it('orders the list by latest activity and a thread by time', () => {
    const a = conversation('a', { lastActivityAt: '2026-12-01T10:00:00Z' });
    const b = conversation('b', { lastActivityAt: '2026-12-01T11:00:00Z' });
    expect([a, b].sort(byActivity).map((c) => c.id)).toEqual(['b', 'a']);
    const thread = { x: message('x', { sentAt: '2026-12-01T10:05:00Z' }), y: message('y', { sentAt: '2026-12-01T10:01:00Z' }) };
    expect(orderedMessages(thread).map((m) => m.id)).toEqual(['y', 'x']);
  });

  it('replaces presence with the snapshot read on (re)connect, then follows presence:update', () => {
    s().applyEvent(HubEvents.PresenceUpdate, { userId: 'gone', userName: 'Gone', state: 'online', since: null });
    s().setPresence([{ userId: 'u1', userName: 'Ana', state: 'online', since: null }]);
    expect(Object.keys(s().presence)).toEqual(['u1']); // whoever the snapshot leaves out is offline
    s().applyEvent(HubEvents.PresenceUpdate, { userId: 'u1', userName: 'Ana', state: 'away', since: '2026-12-08T09:52:00Z' });
    expect(s().presence.u1).toEqual({ userName: 'Ana', state: 'away', since: '2026-12-08T09:52:00Z' });
    s().applyEvent(HubEvents.PresenceUpdate, { userId: 'u1', userName: 'Ana', state: 'offline' });
    expect(s().presence.u1).toEqual({ userName: 'Ana', state: 'offline', since: null });
  });

  it('laterStatus prefers the furthest status', () => {
    expect(laterStatus(message('m', { status: 'read' }), message('m', { status: 'delivered' })).status).toBe('read');
    expect(laterStatus(message('m', { status: 'sent' }), message('m', { status: 'read' })).status).toBe('read');
    expect(laterStatus(undefined, message('m', { status: 'sent' })).status).toBe('sent');
  });
});
