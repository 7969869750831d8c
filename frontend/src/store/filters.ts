import type { Conversation } from '../api/types';

export interface ListFilter {
  status: 'open' | 'pending' | 'resolved' | 'snoozed' | 'all';
  assignee: 'anyone' | 'me' | 'unassigned';
  label: string;
  q: string;
}

/** Whether a conversation (as the live store knows it) belongs in the list as filtered — the server's rules for
 * status, assignee and label, applied to live rows so they move in and out without a refetch. */
export function matchesFilter(c: Conversation, f: ListFilter, meId: string | null): boolean {
  if (f.status !== 'all' && c.status !== f.status) return false;
  if (f.assignee === 'me' && c.assigneeId !== meId) return false;
  if (f.assignee === 'unassigned' && c.assigneeId) return false;
  if (f.label && !(c.labels ?? []).includes(f.label)) return false;
  return true;
}
