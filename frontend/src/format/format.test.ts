import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import { dayLabel, fileSize, listTime, movedOnBy, needsDivider, placeholdersOf, tickFor, windowState } from './format';

const out = (status: string | null, over: Partial<Message> = {}) =>
  ({ direction: 'outbound', type: 'text', status, errorCode: null, errorTitle: null, errorDetails: null, ...over }) as Message;

describe('ticks', () => {
  it('shows ✓ sent, grey ✓✓ delivered, blue ✓✓ read', () => {
    expect(tickFor(out('sent'))).toMatchObject({ symbol: '✓', tone: 'grey' });
    expect(tickFor(out('delivered'))).toMatchObject({ symbol: '✓✓', tone: 'grey' });
    expect(tickFor(out('read'))).toMatchObject({ symbol: '✓✓', tone: 'blue' });
    expect(tickFor(out('played'))).toMatchObject({ symbol: '✓✓', tone: 'blue' });
  });

  it('shows a failure with its code and reason', () => {
    const t = tickFor(out('failed', { errorCode: 131047, errorTitle: 'Re-engagement message', errorDetails: 'More than 24 hours' }));
    expect(t).toMatchObject({ tone: 'failed' });
    expect(t!.label).toBe('Failed (131047): Re-engagement message — More than 24 hours');
  });

  it('shows a queued message as pending, with the explanation of an unknown outcome', () => {
    expect(tickFor(out('queued'))).toMatchObject({ tone: 'pending', label: 'Queued' });
    expect(tickFor(out('queued', { errorTitle: 'Timed out' }))!.label).toBe('Queued: Timed out');
  });

  it('has none for customers\' messages and notes', () => {
    expect(tickFor(out('read', { direction: 'inbound' }))).toBeNull();
    expect(tickFor(out(null, { type: 'note' }))).toBeNull();
  });
});

describe('dates', () => {
  const now = new Date(2026, 11, 3, 15, 0); // Thursday 3 Dec 2026, local time
  const at = (d: number, m = 11, y = 2026, h = 9) => new Date(y, m, d, h, 30).toISOString();

  it('labels days: Today, Yesterday, a weekday this week, else a date', () => {
    expect(dayLabel(at(3), now)).toBe('Today');
    expect(dayLabel(at(2), now)).toBe('Yesterday');
    expect(dayLabel(at(29, 10), now)).toBe('Sunday');
    expect(dayLabel(at(20, 10), now)).toBe('20 Nov');
    expect(dayLabel(at(20, 10, 2025), now)).toBe('20 Nov 2025');
  });

  it('puts a divider before the first message and where the day changes', () => {
    expect(needsDivider(undefined, at(3))).toBe(true);
    expect(needsDivider(at(3, 11, 2026, 8), at(3, 11, 2026, 20))).toBe(false);
    expect(needsDivider(at(2, 11, 2026, 23), at(3, 11, 2026, 0))).toBe(true);
  });

  it('shows the time for today in the list, else the day', () => {
    expect(listTime(at(3), now)).toBe('09:30');
    expect(listTime(at(2), now)).toBe('Yesterday');
    expect(listTime(null, now)).toBe('');
  });
});

describe('24-hour window', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const closes = (ms: number) => new Date(now + ms).toISOString();

  it('counts down hours and minutes', () => {
    expect(windowState(closes(23 * 3600_000 + 59 * 60_000 + 30_000), now)).toEqual({ open: true, label: '23h 59m left', urgent: false });
    expect(windowState(closes(2 * 3600_000 + 5 * 60_000), now).label).toBe('2h 05m left');
  });

  it('is urgent in its last hour', () => {
    expect(windowState(closes(42 * 60_000), now)).toEqual({ open: true, label: '42m left', urgent: true });
    expect(windowState(closes(20_000), now).label).toBe('20s left');
  });

  it('is closed at and after its end, and before the customer ever wrote', () => {
    expect(windowState(closes(0), now)).toMatchObject({ open: false, label: 'Window closed' });
    expect(windowState(closes(-1000), now).open).toBe(false);
    expect(windowState(null, now)).toMatchObject({ open: false, label: 'No customer message yet' });
  });
});

describe('file sizes', () => {
  it('reads like a person would write it', () => {
    expect(fileSize(512)).toBe('512 B');
    expect(fileSize(20_480)).toBe('20 KB');
    expect(fileSize(1_300_000)).toBe('1.2 MB');
    expect(fileSize(null)).toBe('');
  });
});

describe('template placeholders', () => {
  it('lists each placeholder once, in order', () => {
    expect(placeholdersOf('Hi {{1}}, your order {{2}} is on its way, {{1}}.')).toEqual(['{{1}}', '{{2}}']);
    expect(placeholdersOf('Hello World!')).toEqual([]);
  });
});

describe('who moved the conversation on', () => {
  it('names the customer, a colleague or the agent themself', () => {
    expect(movedOnBy({ direction: 'inbound', type: 'text' }, 'me', null)).toBe('The customer wrote');
    expect(movedOnBy({ direction: 'outbound', type: 'text' }, 'me', 'colleague')).toBe('A colleague replied');
    expect(movedOnBy({ direction: 'outbound', type: 'note' }, 'me', 'colleague')).toBe('A colleague added a note');
    expect(movedOnBy({ direction: 'outbound', type: 'image' }, 'me', 'me')).toBe('You sent');
    expect(movedOnBy({ direction: 'outbound', type: 'note' }, 'me', 'me')).toBe('You added a note');
  });
});
