import { describe, expect, it } from 'vitest';
import type { Conversation } from '../api/types';
import { matchesFilter, type ListFilter } from './filters';

const c = (over: Partial<Conversation>) => ({ status: 'open', assigneeId: null, labels: [], ...over }) as Conversation;
const f = (over: Partial<ListFilter>): ListFilter => ({ status: 'open', assignee: 'anyone', label: '', q: '', ...over });

describe('list filters on live rows', () => {
  it('keeps a row only in its status (or all)', () => {
    expect(matchesFilter(c({ status: 'open' }), f({}), 'me')).toBe(true);
    expect(matchesFilter(c({ status: 'resolved' }), f({}), 'me')).toBe(false); // resolved live: leaves the Open list
    expect(matchesFilter(c({ status: 'resolved' }), f({ status: 'all' }), 'me')).toBe(true);
  });

  it('filters by assignee: mine, unassigned, anyone', () => {
    expect(matchesFilter(c({ assigneeId: 'me' }), f({ assignee: 'me' }), 'me')).toBe(true);
    expect(matchesFilter(c({ assigneeId: 'you' }), f({ assignee: 'me' }), 'me')).toBe(false);
    expect(matchesFilter(c({ assigneeId: 'you' }), f({ assignee: 'unassigned' }), 'me')).toBe(false);
    expect(matchesFilter(c({}), f({ assignee: 'unassigned' }), 'me')).toBe(true);
  });

  it('filters by label', () => {
    expect(matchesFilter(c({ labels: ['vip'] }), f({ label: 'vip' }), 'me')).toBe(true);
    expect(matchesFilter(c({ labels: null }), f({ label: 'vip' }), 'me')).toBe(false);
  });
});
