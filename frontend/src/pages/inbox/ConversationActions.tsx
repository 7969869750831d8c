import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Conversation, Member } from '../../api/types';
import { useNow } from '../../components/Presence';
import { presenceLabel, stateOf } from '../../realtime/presence';
import { useLive, withMine } from '../../store/live';
import { toastError } from '../../store/toasts';

function snoozeUntil(choice: string): string {
  const d = new Date();
  if (choice === '1h') d.setHours(d.getHours() + 1);
  else if (choice === 'tomorrow') {
    d.setDate(d.getDate() + 1);
    d.setHours(9, 0, 0, 0);
  } else d.setDate(d.getDate() + 7);
  return d.toISOString();
}

/** Assign, status (incl. snooze), priority and mute (labels are in the contact panel); every change answers with the conversation. */
export function ConversationActions({ conversation: c }: { conversation: Conversation }) {
  const members = useQuery({ queryKey: ['members'], queryFn: () => api<Member[]>('/api/members') });
  const presence = useLive((s) => s.presence);
  const now = useNow();

  async function change(path: string, method: string, body?: unknown) {
    try {
      const next = await api<Conversation>(`/api/conversations/${c.id}${path}`, { method, body });
      useLive.getState().mergeConversations([withMine(c, next)]);
    } catch (e) {
      toastError(e);
    }
  }

  return (
    <div className="actions">
      <select aria-label="Assignee" data-testid="assignee" value={c.assigneeId ?? ''}
        onChange={(e) => (e.target.value ? change('/assignee', 'PUT', { userId: e.target.value }) : change('/assignee', 'DELETE'))}>
        <option value="">Unassigned</option>
        {members.data?.filter((m) => m.active).map((m) => (
          <option key={m.userId} value={m.userId} data-testid="assignee-option" data-state={stateOf(presence[m.userId])}>
            {`${m.name} · ${presenceLabel(presence[m.userId], now)}`}
          </option>
        ))}
      </select>
      <select aria-label="Status" data-testid="status" value={c.status}
        onChange={(e) => {
          const v = e.target.value;
          if (v.startsWith('snooze:')) void change('/status', 'PUT', { status: 'snoozed', snoozedUntil: snoozeUntil(v.slice(7)) });
          else void change('/status', 'PUT', { status: v });
        }}>
        <option value="open">Open</option>
        <option value="pending">Pending</option>
        <option value="resolved">Resolved</option>
        {c.status === 'snoozed' && <option value="snoozed">Snoozed until {new Date(c.snoozedUntil!).toLocaleString()}</option>}
        <option value="snooze:1h">Snooze 1 hour</option>
        <option value="snooze:tomorrow">Snooze until tomorrow 9:00</option>
        <option value="snooze:week">Snooze 1 week</option>
      </select>
      <select aria-label="Priority" value={c.priority} onChange={(e) => change('/priority', 'PUT', { priority: e.target.value })}>
        {['none', 'low', 'medium', 'high', 'urgent'].map((p) => <option key={p} value={p}>{p === 'none' ? 'No priority' : p}</option>)}
      </select>
      <button className="link" data-testid="mute" aria-pressed={!!c.muted}
        title={c.muted ? 'You get notifications of this conversation again' : 'No notifications of this conversation for you'}
        onClick={() => change('/mute', c.muted ? 'DELETE' : 'PUT')}>
        {c.muted ? '🔕 Muted' : 'Mute'}
      </button>
    </div>
  );
}
