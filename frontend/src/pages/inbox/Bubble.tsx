import { useEffect, useState } from 'react';
import { fetchBlobUrl } from '../../api/client';
import type { Message } from '../../api/types';
import { fileSize, summary, tickFor, timeOf } from '../../format/format';

export function Bubble({ m, quoted, onReply }: { m: Message; quoted?: Message; onReply: () => void }) {
  const note = m.type === 'note';
  const side = m.direction === 'inbound' ? 'in' : 'out';
  const tick = tickFor(m);
  const caption = (m.content as { caption?: string } | null)?.caption;
  const link = (m.content as { link?: string } | null)?.link;
  const template = m.type === 'template' ? (m.content as { headerType?: string; headerLink?: string; buttons?: string[] } | null) : null;
  return (
    <div className={`bubble-row ${side}`}>
      <div className={`bubble ${side} ${note ? 'note' : ''}`} data-testid="message" data-message-id={m.id}
        data-direction={m.direction} data-status={m.status ?? ''}>
        {note && <div className="note-tag">Private note</div>}
        {m.forwarded && <div className="muted small">↪ Forwarded</div>}
        {m.replyToWamid && (
          <div className="quote">{quoted ? summary(quoted) : 'a message not loaded'}</div>
        )}
        {m.media && <MediaView m={m} />}
        {!m.media && link && <a href={link} target="_blank" rel="noreferrer">{m.type === 'image' ? <img src={link} alt={caption ?? ''} className="media-img" /> : link}</a>}
        {template?.headerLink && (template.headerType === 'image'
          ? <a href={template.headerLink} target="_blank" rel="noreferrer"><img src={template.headerLink} alt="" className="media-img" /></a>
          : <a href={template.headerLink} target="_blank" rel="noreferrer">{template.headerLink}</a>)}
        {m.text ? <div className="text" data-testid="message-text">{m.text}</div> : !m.media && !link && <div className="text muted">{summary(m)}</div>}
        {caption && caption !== m.text && <div className="text">{caption}</div>}
        {template?.buttons && template.buttons.length > 0 && (
          <div className="template-buttons">{template.buttons.map((b) => <span key={b} className="template-button">{b}</span>)}</div>
        )}
        <div className="meta">
          <span>{timeOf(m.sentAt)}</span>
          {tick && <span className={`tick tick-${tick.tone}`} title={tick.label} data-testid="tick">{tick.symbol}</span>}
          {!note && <button className="link small reply-btn" onClick={onReply} title="Reply">↩</button>}
        </div>
        {tick?.tone === 'failed' && <div className="fail-reason" role="note">{tick.label}</div>}
        {m.reactions.length > 0 && (
          <div className="reactions" data-testid="reactions">{m.reactions.map((r) => <span key={r.contactId}>{r.emoji}</span>)}</div>
        )}
      </div>
    </div>
  );
}

/** Media is behind the API's auth: fetched with the token, shown from an object URL. */
function MediaView({ m }: { m: Message }) {
  const media = m.media!;
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const inline = media.status === 'ready' && (m.type === 'image' || m.type === 'sticker' || m.type === 'audio');

  useEffect(() => {
    if (!inline) return;
    let gone = false;
    let made: string | null = null;
    fetchBlobUrl(media.url).then((u) => {
      made = u;
      if (gone) URL.revokeObjectURL(u);
      else setUrl(u);
    }, () => setFailed(true));
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [inline, media.url]);

  if (media.status === 'pending') return <div className="media-pending muted small">Downloading {summary(m)}…</div>;
  if (media.status === 'failed' || failed) return <div className="media-failed small">{summary(m)} could not be downloaded</div>;
  if (m.type === 'image' || m.type === 'sticker') return url ? <img className="media-img" src={url} alt={media.filename ?? 'image'} /> : <div className="media-img placeholder" />;
  if (m.type === 'audio') return url ? <audio controls src={url} /> : <div className="muted small">Loading audio…</div>;

  async function download() {
    const u = await fetchBlobUrl(media.url);
    const a = document.createElement('a');
    a.href = u;
    a.download = media.filename ?? 'file';
    a.click();
    setTimeout(() => URL.revokeObjectURL(u), 10_000);
  }
  return (
    <button className="doc" onClick={download}>
      📄 {media.filename ?? summary(m)} <span className="muted small">{fileSize(media.size)}</span>
    </button>
  );
}
