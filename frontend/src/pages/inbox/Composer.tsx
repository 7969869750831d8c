import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { api, ApiError, newIdempotencyKey } from '../../api/client';
import type { CannedResponse, Conversation, Message } from '../../api/types';
import { movedOnBy, summary, windowState } from '../../format/format';
import { ACCEPT } from '../../media/whatsappMedia';
import { stopTyping, typing } from '../../realtime/connection';
import { useLive } from '../../store/live';
import { toastError } from '../../store/toasts';
import { TemplatePicker } from './TemplatePicker';
import { AttachmentPreview, useAttachment } from './Attachment';

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

type Props = {
  conversation: Conversation;
  /** The newest message this agent's thread shows: a reply is based on it, and refused (409) if it is no longer the newest. */
  latestMessageId: string | undefined;
  replyTo: Message | null;
  clearReply: () => void;
  /** A file dropped on the thread, to attach. */
  dropped: { file: File; at: number } | null;
};

/** A reply the API refused because the conversation moved on: what the agent had not seen, and the reply waiting. */
type Collision = { seen: Message; body: Record<string, unknown> };

export function Composer({ conversation, latestMessageId, replyTo, clearReply, dropped }: Props) {
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState('');
  const { attachment, caption, setCaption, attach, uploaded, discard, clear } = useAttachment();
  const picker = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [pick, setPick] = useState(0);
  const [collision, setCollision] = useState<Collision | null>(null);
  const meId = useLive((st) => st.meId);
  // One key per message being sent: a retry after a network error cannot send it twice.
  const pendingKey = useRef<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
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

  /** Sends; on "not the latest message" shows what the agent had not seen and keeps the reply for a decision. */
  async function post(body: Record<string, unknown>): Promise<boolean> {
    pendingKey.current ??= newIdempotencyKey();
    setBusy(true);
    try {
      const message = await api<Message>(`/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': pendingKey.current },
      });
      pendingKey.current = null;
      setCollision(null);
      useLive.getState().mergeMessages([message]);
      return true;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 0)) pendingKey.current = null; // only a lost answer is retried as is
      if (e instanceof ApiError && e.type === 'urn:inbox:problem:not-latest-message' && typeof e.problem.latestMessageId === 'string') {
        const seen = await api<Message>(`/api/messages/${e.problem.latestMessageId}`).catch(() => null);
        if (seen) {
          useLive.getState().mergeMessages([seen]); // the thread shows it too, even if a live event was missed
          setCollision({ seen, body });
          return false;
        }
      }
      toastError(e instanceof ApiError && e.type === 'urn:inbox:problem:window-closed' ? new Error('The 24-hour window has closed: send a template.') : e);
      return false;
    } finally {
      setBusy(false);
    }
  }

  /** A reply to the customer is based on the newest message shown; a note is not (it reaches no customer). */
  const basedOn = () => (latestMessageId ? { basedOnMessageId: latestMessageId } : {});

  /** After a send: an attachment goes from the composer (it is its message's now); a text or note empties it. */
  function sent(body: Record<string, unknown>) {
    if ('uploadId' in body) {
      clear();
      clearReply();
      return;
    }
    setText('');
    clearReply();
    stopTyping(conversation.id);
  }

  /** Files go to customers only, while their window is open: a note cannot carry one. */
  function attachFile(file: File) {
    if (!serviceWindow.open) {
      toastError(new Error('The 24-hour window has closed: only a template can be sent, no file.'));
      return;
    }
    setMode('reply');
    void attach(file);
  }

  const droppedAt = dropped?.at;
  useEffect(() => {
    if (dropped) attachFile(dropped.file);
  }, [droppedAt]); // a new drop, not a new render

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const file = e.clipboardData.files[0];
    if (!file) return; // text: pasted as usual
    e.preventDefault();
    attachFile(file);
  }

  /** Sends the attachment by its upload, waiting for the upload to finish if it has not yet. */
  async function sendAttachment() {
    if (busy || !attachment || attachment.phase === 'refused' || attachment.phase === 'failed') return;
    setBusy(true);
    let upload;
    try {
      upload = await uploaded();
    } catch {
      setBusy(false);
      return; // the preview says why
    }
    setBusy(false);
    const media = {
      type: upload.type, uploadId: upload.id, caption: attachment.kind.hasCaption ? caption.trim() || undefined : undefined,
      replyToMessageId: replyTo?.id, ...basedOn(),
    };
    if (await post(media)) sent(media);
  }

  async function send() {
    if (busy) return;
    const body = text.trim();
    if (!body) return;
    const message = mode === 'note' ? { type: 'note', text: body } : { type: 'text', text: body, replyToMessageId: replyTo?.id, ...basedOn() };
    if (await post(message)) sent(message);
  }

  /** The agent read what they had missed and sends the same reply, now based on it. */
  async function sendAnyway() {
    if (!collision || busy) return;
    const again = { ...collision.body, basedOnMessageId: collision.seen.id };
    if (await post(again)) sent(again);
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
      <input ref={picker} type="file" accept={ACCEPT} hidden data-testid="file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file may be picked again
          if (file) attachFile(file);
        }} />
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
      {collision && (
        <div className="collision" role="alert" data-testid="collision">
          <div><strong>{movedOnBy(collision.seen, meId, collision.seen.senderUserId)}</strong> while you were writing:</div>
          <div className="quote" data-testid="collision-message">{summary(collision.seen)}</div>
          <div className="compose-row">
            <button onClick={sendAnyway} disabled={busy} data-testid="send-anyway">Send anyway</button>
            <button className="link" onClick={() => { setCollision(null); input.current?.focus(); }} data-testid="edit-reply">Edit my reply</button>
          </div>
        </div>
      )}
      {closed ? (
        <TemplatePicker channelId={conversation.channelId} busy={busy}
          onSend={(t, components) => post({ type: 'template', template: { name: t.name, language: t.language, components } })} />
      ) : attachment && mode === 'reply' ? (
        <AttachmentPreview attachment={attachment} caption={caption} setCaption={setCaption} busy={busy} onSend={sendAttachment} onDiscard={discard} />
      ) : (
        <div className="compose-row">
          {mode === 'reply' && (
            <button className="link attach-btn" title="Attach a file (or drop one on the thread, or paste an image)" data-testid="attach"
              onClick={() => picker.current?.click()}>+ Attach</button>
          )}
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
            <textarea ref={input} rows={2} value={text} data-testid="composer"
              placeholder={mode === 'note' ? 'A note only your team sees' : 'Type a reply — Enter sends, Shift+Enter for a new line, / for canned responses'}
              onChange={(e) => {
                setText(e.target.value);
                setPick(0);
                setCollision(null); // editing the reply: the next send is checked again
                if (e.target.value) typing(conversation.id, mode === 'note');
                else stopTyping(conversation.id);
              }}
              onBlur={() => stopTyping(conversation.id)}
              onKeyDown={onKeyDown} onPaste={onPaste} />
          </div>
          <button onClick={send} disabled={busy || !text.trim()} data-testid="send">{mode === 'note' ? 'Add note' : 'Send'}</button>
        </div>
      )}
    </div>
  );
}
