import type { Message } from '../api/types';

// Pure formatting: ticks, times, date dividers, the 24-hour window. Unit-tested in format.test.ts.

export interface Tick {
  symbol: string; // what the bubble shows
  label: string; // what it means (title / screen readers)
  tone: 'pending' | 'grey' | 'blue' | 'failed';
}

/** WhatsApp's ticks for a message the business sent; null for customers' messages and notes. */
export function tickFor(m: Pick<Message, 'direction' | 'type' | 'status' | 'errorTitle' | 'errorDetails' | 'errorCode'>): Tick | null {
  if (m.direction !== 'outbound' || m.status == null) return null;
  switch (m.status) {
    case 'queued':
      return { symbol: '◷', label: m.errorTitle ? `Queued: ${m.errorTitle}` : 'Queued', tone: 'pending' };
    case 'sent':
      return { symbol: '✓', label: 'Sent', tone: 'grey' };
    case 'delivered':
      return { symbol: '✓✓', label: 'Delivered', tone: 'grey' };
    case 'read':
    case 'played':
      return { symbol: '✓✓', label: m.status === 'read' ? 'Read' : 'Played', tone: 'blue' };
    case 'failed': {
      const reason = [m.errorTitle, m.errorDetails].filter(Boolean).join(' — ') || 'Not delivered';
      return { symbol: '!', label: `Failed${m.errorCode ? ` (${m.errorCode})` : ''}: ${reason}`, tone: 'failed' };
    }
    default:
      return { symbol: '✓', label: m.status, tone: 'grey' };
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 14:05 */
export function timeOf(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function dayKey(d: Date) {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The divider above a day's first message: Today, Yesterday, a weekday within the week, else a date. */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdays[d.getDay()];
  const year = d.getFullYear() === now.getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${months[d.getMonth()]}${year}`;
}

/** Whether a date divider goes between two consecutive messages (previous undefined: the first one). */
export function needsDivider(previous: string | undefined, current: string): boolean {
  return previous === undefined || dayKey(new Date(previous)) !== dayKey(new Date(current));
}

/** A list row's time: the time today, else the day. */
export function listTime(iso: string | null, now: Date = new Date()): string {
  if (!iso) return '';
  const label = dayLabel(iso, now);
  return label === 'Today' ? timeOf(iso) : label;
}

export interface WindowState {
  open: boolean;
  label: string; // "23h 59m left", "12m left", "closed"
  urgent: boolean; // under an hour
}

/** The 24-hour customer-service window: how long free-form replies remain possible. */
export function windowState(closesAt: string | null, now: number = Date.now()): WindowState {
  if (!closesAt) return { open: false, label: 'No customer message yet', urgent: false };
  const left = new Date(closesAt).getTime() - now;
  if (left <= 0) return { open: false, label: 'Window closed', urgent: false };
  const minutes = Math.floor(left / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const label = h > 0 ? `${h}h ${pad(m)}m left` : minutes > 0 ? `${m}m left` : `${Math.ceil(left / 1000)}s left`;
  return { open: true, label, urgent: left < 3_600_000 };
}

/** "1.2 MB" */
export function fileSize(bytes: number | null): string {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A one-line summary of a message (reply context, previews). */
export function summary(m: Pick<Message, 'type' | 'text' | 'media' | 'content'>): string {
  if (m.text) return m.text;
  const caption = (m.content as { caption?: string } | null)?.caption;
  const names: Record<string, string> = {
    image: '📷 Photo', audio: '🎤 Audio', video: '🎬 Video', document: '📄 Document', sticker: 'Sticker',
    location: '📍 Location', template: 'Template', reaction: 'Reaction', contacts: '👤 Contact',
  };
  return [names[m.type] ?? m.type, caption].filter(Boolean).join(' ');
}

/** Who moved a conversation on while an agent was writing: said above the message they had not seen. */
export function movedOnBy(m: Pick<Message, 'direction' | 'type'>, meId: string | null, senderUserId?: string | null): string {
  if (m.direction === 'inbound') return 'The customer wrote';
  if (m.type === 'note') return senderUserId && senderUserId === meId ? 'You added a note' : 'A colleague added a note';
  return senderUserId && senderUserId === meId ? 'You sent' : 'A colleague replied';
}

/** The distinct {{placeholders}} of a template body, in order of first use (each needs a parameter). */
export function placeholdersOf(body: string): string[] {
  return [...new Set([...body.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)].map((m) => m[0]))];
}
