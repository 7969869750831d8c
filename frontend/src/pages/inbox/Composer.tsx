import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { api, ApiError, newIdempotencyKey } from '../../api/client';
import type { CannedResponse, Conversation, Message, Template } from '../../api/types';
import { placeholdersOf, summary, windowState } from '../../format/format';
import { stopTyping, typing } from '../../realtime/connection';
import { useLive } from '../../store/live';
import { toastError } from '../../store/toasts';

type Mode = 'reply' | 'note';

/** Re-renders every `ms` so countdowns move. */
function useNow(ms: number) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function Composer({ conversation, replyTo, clearReply }: { conversation: Conversation; replyTo: Message | null; clearReply: () => void }) {
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState('');
  const [attach, setAttach] = useState<{ type: string; link: string; caption: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [pick, setPick] = useState(0);
  // One key per message being sent: a retry after a network error cannot send it twice.
  const pendingKey = useRef<string | null>(null);
  const now = useNow(15_000);
  const serviceWindow = windowState(conversation.windowClosesAt, now);

  const canned = useQuery({ queryKey: ['canned'], queryFn: () => api<CannedResponse[]>('/api/canned-responses') });
  const slash = /^\/(\S*)$/.exec(text); // "/code": canned responses whose short code starts so
  const slashing = slash !== null;
  const refetchCanned = canned.refetch;
  useEffect(() => {
    if (slashing) void refetchCanned(); // typing "/" fetches the latest list: a colleague may have added one
  }, [slashing, refetchCanned]);
  const suggestions = slash ? (canned.data ?? []).filter((c) => c.shortCode.toLowerCase().startsWith(slash[1].toLowerCase())).slice(0, 6) : [];

  useEffect(() => () => stopTyping(conversation.id), [conversation.id]);

  async function post(body: Record<string, unknown>) {
    pendingKey.current ??= newIdempotencyKey();
    setBusy(true);
    try {
      const message = await api<Message>(`/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': pendingKey.current },
      });
      pendingKey.current = null;
      useLive.getState().mergeMessages([message]);
      return true;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 0)) pendingKey.current = null; // only a lost answer is retried as is
      toastError(e instanceof ApiError && e.type === 'urn:inbox:problem:window-closed' ? new Error('The 24-hour window has closed: send a template.') : e);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function send() {
    if (busy) return;
    if (attach) {
      if (!attach.link.trim()) return;
      const ok = await post({ type: attach.type, link: attach.link.trim(), caption: attach.caption || undefined });
      if (ok) setAttach(null);
      return;
    }
    const body = text.trim();
    if (!body) return;
    const ok = await post(mode === 'note' ? { type: 'note', text: body } : { type: 'text', text: body, replyToMessageId: replyTo?.id });
    if (ok) {
      setText('');
      clearReply();
      stopTyping(conversation.id);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggestions.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setPick((p) => (p + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        setText(suggestions[Math.min(pick, suggestions.length - 1)].content);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  const closed = mode === 'reply' && !serviceWindow.open;

  return (
    <div className={`composer ${mode}`}>
      <div className="composer-bar">
        <button className={mode === 'reply' ? 'tab active' : 'tab'} onClick={() => setMode('reply')}>Reply</button>
        <button className={mode === 'note' ? 'tab active' : 'tab'} onClick={() => setMode('note')}>Private note</button>
        <span className="spacer" />
        <span className={`window ${serviceWindow.urgent ? 'urgent' : ''} ${serviceWindow.open ? '' : 'closed'}`} data-testid="window">
          {serviceWindow.open ? `24h window: ${serviceWindow.label}` : serviceWindow.label}
        </span>
      </div>
      {replyTo && mode === 'reply' && (
        <div className="replying">Replying to: <span className="quote">{summary(replyTo)}</span> <button className="link" onClick={clearReply}>✕</button></div>
      )}
      {closed ? (
        <TemplatePicker onSend={(t, components) => post({ type: 'template', template: { name: t.name, language: t.language, components } })} busy={busy} />
      ) : attach && mode === 'reply' ? (
        <div className="attach">
          <select value={attach.type} onChange={(e) => setAttach({ ...attach, type: e.target.value })} aria-label="Attachment type">
            <option value="image">Image</option>
            <option value="document">Document</option>
            <option value="audio">Audio</option>
            <option value="video">Video</option>
          </select>
          <input placeholder="https://… file URL" value={attach.link} onChange={(e) => setAttach({ ...attach, link: e.target.value })} aria-label="Attachment URL" />
          <input placeholder="Caption (optional)" value={attach.caption} onChange={(e) => setAttach({ ...attach, caption: e.target.value })} />
          <button onClick={send} disabled={busy}>Send</button>
          <button className="link" onClick={() => setAttach(null)}>Cancel</button>
        </div>
      ) : (
        <div className="compose-row">
          {mode === 'reply' && <button className="link attach-btn" title="Attach a file by its URL" onClick={() => setAttach({ type: 'image', link: '', caption: '' })}>Attach</button>}
          <div className="compose-input">
            {suggestions.length > 0 && (
              <ul className="canned" role="listbox">
                {suggestions.map((c, i) => (
                  <li key={c.id} className={i === pick ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); setText(c.content); }}>
                    <strong>/{c.shortCode}</strong> <span className="muted">{c.content}</span>
                  </li>
                ))}
              </ul>
            )}
            <textarea rows={2} value={text} data-testid="composer"
              placeholder={mode === 'note' ? 'A note only your team sees' : 'Type a reply — Enter sends, Shift+Enter for a new line, / for canned responses'}
              onChange={(e) => {
                setText(e.target.value);
                setPick(0);
                if (e.target.value) typing(conversation.id, mode === 'note');
                else stopTyping(conversation.id);
              }}
              onBlur={() => stopTyping(conversation.id)}
              onKeyDown={onKeyDown} />
          </div>
          <button onClick={send} disabled={busy || !text.trim()} data-testid="send">{mode === 'note' ? 'Add note' : 'Send'}</button>
        </div>
      )}
    </div>
  );
}

function TemplatePicker({ onSend, busy }: { onSend: (t: Template, components?: unknown[]) => Promise<boolean>; busy: boolean }) {
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api<Template[]>('/api/templates') });
  const [chosen, setChosen] = useState('');
  const [values, setValues] = useState<string[]>([]);
  const t = templates.data?.find((x) => x.id === chosen);
  const slots = t ? placeholdersOf(t.body) : [];
  const preview = slots.reduce((body, slot, i) => body.split(slot).join(values[i] || slot), t?.body ?? '');
  const ready = t && slots.every((_, i) => values[i]?.trim());
  const components = () => (slots.length ? [{ type: 'body', parameters: slots.map((_, i) => ({ type: 'text', text: values[i].trim() })) }] : undefined);
  return (
    <div className="templates" data-testid="template-picker">
      <p className="muted small">The customer has not written in 24 hours: only an approved template can start the conversation again.</p>
      <div className="compose-row">
        <select value={chosen} onChange={(e) => { setChosen(e.target.value); setValues([]); }} aria-label="Template">
          <option value="">Choose a template…</option>
          {templates.data?.map((x) => <option key={x.id} value={x.id}>{x.name} ({x.language})</option>)}
        </select>
        {slots.map((slot, i) => (
          <input key={slot} placeholder={slot} aria-label={`Template parameter ${slot}`} value={values[i] ?? ''}
            onChange={(e) => setValues((v) => Object.assign([...v], { [i]: e.target.value }))} />
        ))}
        <button disabled={!ready || busy} onClick={() => t && onSend(t, components()).then((ok) => ok && setChosen(""))}>Send template</button>
      </div>
      {t && <p className="template-body">{preview}</p>}
    </div>
  );
}
