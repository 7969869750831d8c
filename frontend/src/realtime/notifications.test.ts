import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api/types';
import { shouldNotify, titleFor } from './notifications';

const now = Date.parse('2026-12-07T12:00:00Z');
const message = (over: Partial<Message> = {}) => ({ direction: 'inbound', sentAt: '2026-12-07T11:59:50Z', ...over }) as Message;
const conversation = (over: Partial<Conversation> = {}) => ({ unreadCount: 0, myUnreadCount: 0, muted: false, ...over }) as Conversation;

describe('notifications', () => {
  it('announce a fresh customer message while the tab is hidden', () => {
    expect(shouldNotify(message(), conversation(), true, now)).toBe(true);
    expect(shouldNotify(message(), undefined, true, now)).toBe(true); // a conversation this tab has not listed yet
  });

  it('stay quiet while the agent looks, for agents\' own messages, muted conversations and an old catch-up', () => {
    expect(shouldNotify(message(), conversation(), false, now)).toBe(false);
    expect(shouldNotify(message({ direction: 'outbound' }), conversation(), true, now)).toBe(false);
    expect(shouldNotify(message(), conversation({ muted: true }), true, now)).toBe(false);
    expect(shouldNotify(message({ sentAt: '2026-12-07T11:50:00Z' }), conversation(), true, now)).toBe(false);
  });

  it('put the unread total of unmuted conversations in the title', () => {
    expect(titleFor({})).toBe('Inbox');
    expect(titleFor({
      a: conversation({ myUnreadCount: 2 }),
      b: conversation({ myUnreadCount: null, unreadCount: 1 }),
      c: conversation({ myUnreadCount: 5, muted: true }),
    })).toBe('(3) Inbox');
  });
});
