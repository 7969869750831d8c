import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { api } from '../../api/client';
import { uploadFile, type Upload, type Uploading } from '../../api/upload';
import { check, HEAD_BYTES, sizeLabel, type MediaKind } from '../../media/whatsappMedia';

/** A file the agent attached: refused by the checks, or on its way to the API (then ready to send by its upload). */
export type Attachment =
  | { id: number; phase: 'refused'; file: File; error: string }
  | {
      id: number;
      phase: 'uploading' | 'uploaded' | 'failed';
      file: File;
      kind: MediaKind;
      progress: number;
      preview: string | null;
      upload?: Upload;
      error?: string;
    };

let next = 0;

function forget(current: { job: Uploading } | null) {
  if (!current) return;
  current.job.abort();
  current.job.done.then((u) => api(`/api/uploads/${u.id}`, { method: 'DELETE' }), () => {}).catch(() => {});
}

/**
 * One attachment at a time: checked as WhatsApp would (type, content, size) before a byte is sent, then uploaded at
 * once, with its progress, while the agent writes a caption. A discarded upload is deleted on the server; a sent one
 * belongs to its message.
 */
export function useAttachment() {
  const [attachment, setAttachment] = useState<Attachment | null>(null);
  const [caption, setCaption] = useState('');
  const uploading = useRef<{ id: number; job: Uploading } | null>(null);

  const update = (id: number, change: Partial<Attachment>) =>
    setAttachment((a) => (a && a.id === id ? ({ ...a, ...change } as Attachment) : a));

  // Previews are object URLs: released when the attachment goes.
  useEffect(() => () => {
    if (attachment?.phase !== 'refused' && attachment?.preview) URL.revokeObjectURL(attachment.preview);
  }, [attachment?.id]);

  async function attach(picked: File) {
    discard();
    const id = ++next;
    const head = new Uint8Array(await picked.slice(0, HEAD_BYTES).arrayBuffer());
    const checked = check(picked.type, picked.name, picked.size, head);
    if (!checked.ok) {
      setAttachment({ id, phase: 'refused', file: picked, error: checked.detail });
      return;
    }
    // Sent as the type WhatsApp knows it by (a browser may say nothing, or "image/jpg").
    const file = picked.type === checked.mimeType ? picked : new File([picked], picked.name, { type: checked.mimeType });
    const preview = checked.kind.name === 'image' || checked.kind.name === 'sticker' || checked.kind.name === 'video' ? URL.createObjectURL(file) : null;
    setAttachment({ id, phase: 'uploading', file, kind: checked.kind, progress: 0, preview });
    const job = uploadFile(file, (progress) => update(id, { progress }));
    uploading.current = { id, job };
    job.done.then(
      (upload) => update(id, { phase: 'uploaded', upload, progress: 1 }),
      (e: Error) => {
        if (e.name !== 'AbortError') update(id, { phase: 'failed', error: e.message });
      },
    );
  }

  /** The upload, once the API has it (a failed one rejects). */
  function uploaded(): Promise<Upload> {
    if (!uploading.current) return Promise.reject(new Error('Nothing is attached.'));
    return uploading.current.job.done;
  }

  /** The agent removed it: the upload stops, or what was stored is deleted. */
  function discard() {
    forget(uploading.current);
    uploading.current = null;
    setAttachment(null);
    setCaption('');
  }

  // Leaving the conversation with a file not sent drops it too.
  useEffect(() => () => forget(uploading.current), []);

  /** Sent: the upload is its message's now. */
  function clear() {
    uploading.current = null;
    setAttachment(null);
    setCaption('');
  }

  return { attachment, caption, setCaption, attach, uploaded, discard, clear };
}

type Props = {
  attachment: Attachment;
  caption: string;
  setCaption: (caption: string) => void;
  busy: boolean;
  onSend: () => void;
  onDiscard: () => void;
};

/** The preview above the composer: the picture (or the file's name), a caption, the upload's progress, Send. */
export function AttachmentPreview({ attachment: a, caption, setCaption, busy, onSend, onDiscard }: Props) {
  const refused = a.phase === 'refused';
  const percent = refused ? 0 : Math.round(a.progress * 100);
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
      e.preventDefault();
      onSend();
    }
  }
  return (
    <div className={`attachment ${a.phase}`} data-testid="attachment" data-phase={a.phase}>
      {!refused && a.preview && (a.kind.name === 'video'
        ? <video className="attachment-thumb" src={a.preview} muted />
        : <img className="attachment-thumb" src={a.preview} alt={a.file.name} />)}
      {(refused || !a.preview) && <div className="attachment-thumb icon">{refused ? '⚠' : a.kind.name === 'audio' ? '🎵' : '📄'}</div>}
      <div className="attachment-main">
        <div className="attachment-name">{a.file.name || 'Pasted file'}</div>
        <div className="muted small">{refused ? sizeLabel(a.file.size) : `${a.kind.name} · ${sizeLabel(a.file.size)}`}
          {a.phase === 'uploaded' && ' · ready to send'}</div>
        {a.phase === 'uploading' && (
          <div className="upload-progress">
            <progress value={a.progress} max={1} data-testid="upload-progress" data-percent={percent} /> <span className="small">{percent}%</span>
          </div>
        )}
        {(refused || a.phase === 'failed') && <div className="error small" role="alert" data-testid="attachment-error">{a.error}</div>}
        {!refused && a.phase !== 'failed' && a.kind.hasCaption && (
          <input className="attachment-caption" placeholder="Add a caption (optional)" value={caption} maxLength={1024}
            aria-label="Caption" data-testid="attachment-caption" onChange={(e) => setCaption(e.target.value)} onKeyDown={onKeyDown} autoFocus />
        )}
      </div>
      {!refused && a.phase !== 'failed' && (
        <button onClick={onSend} disabled={busy} data-testid="send-attachment">{a.phase === 'uploading' ? 'Send when uploaded' : 'Send'}</button>
      )}
      <button className="link" onClick={onDiscard} aria-label="Remove the attachment" data-testid="discard-attachment">✕</button>
    </div>
  );
}
