import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { api } from '../../api/client';
import type { Conversation, Message, Page } from '../../api/types';
import { dayLabel, needsDivider } from '../../format/format';
import { navigate } from '../../lib/router';
import { viewConversation } from '../../realtime/connection';
import { orderedMessages, useLive } from '../../store/live';
import { Bubble } from './Bubble';
import { Composer } from './Composer';
import { ContactPanelToggle } from './ContactPanel';
import { ConversationActions } from './ConversationActions';

const NEAR_BOTTOM = 80;

export function Thread({ id }: { id: string }) {
  const conversation = useLive((s) => s.conversations[id]) as Conversation | undefined;
  const thread = useLive((s) => s.messages[id]);
  const typing = useLive((s) => s.typing[id]);
  const viewers = useLive((s) => s.viewers[id]);
  const meId = useLive((s) => s.meId);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [dropped, setDropped] = useState<{ file: File; at: number } | null>(null);
  const [dragging, setDragging] = useState(false);

  const loaded = useQuery({
    queryKey: ['conversation', id],
    queryFn: async () => {
      const c = await api<Conversation>(`/api/conversations/${id}`);
      useLive.getState().mergeConversations([c]);
      return c;
    },
  });

  const history = useInfiniteQuery({
    queryKey: ['messages', id],
    initialPageParam: '',
    queryFn: async ({ pageParam }) => {
      const page = await api<Page<Message>>(`/api/conversations/${id}/messages?limit=50${pageParam ? `&before=${encodeURIComponent(pageParam)}` : ''}`);
      useLive.getState().mergeMessages(page.items);
      return page;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  // Join the room (ticks, typing, viewers) while open.
  useEffect(() => {
    useLive.getState().setOpenConversation(id);
    void viewConversation(id);
    return () => {
      useLive.getState().setOpenConversation(null);
      void viewConversation(null);
    };
  }, [id]);

  const messages = useMemo(() => orderedMessages(thread), [thread]);
  const byWamid = useMemo(() => new Map(messages.filter((m) => m.wamid).map((m) => [m.wamid!, m])), [messages]);
  const newestInbound = messages.findLast((m) => m.direction === 'inbound')?.id;

  // Reading: opening the conversation, and each customer message arriving while it is open and visible.
  useEffect(() => {
    if (!newestInbound && !conversation?.myUnreadCount) return;
    if (document.visibilityState !== 'visible') return;
    useLive.getState().markRead(id);
    api<Conversation>(`/api/conversations/${id}/read`, { method: 'POST' }).catch(() => {});
  }, [id, newestInbound, conversation?.myUnreadCount]);

  // Smart scrolling: follow new messages only while the reader is at the bottom; keep the reader's place when
  // older history is prepended.
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prepending = useRef<{ height: number; top: number } | null>(null);
  const [unseen, setUnseen] = useState(0);
  const lastCount = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const added = messages.length - lastCount.current;
    lastCount.current = messages.length;
    const last = messages.at(-1);
    if (added > 0 && last?.direction === 'outbound' && last.senderUserId === meId) { // one's own send is followed
      atBottom.current = true;
      setUnseen(0);
    }
    if (prepending.current) {
      el.scrollTop = prepending.current.top + (el.scrollHeight - prepending.current.height);
      prepending.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (added > 0) {
      setUnseen((n) => n + added);
    }
  }, [messages]);

  // A picture that loads grows the thread under the reader: at the bottom, stay there. (load does not bubble, but a
  // capturing listener on the thread hears every image in it.)
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const follow = () => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    };
    el.addEventListener('load', follow, true);
    return () => el.removeEventListener('load', follow, true);
  }, [conversation !== undefined]);

  function onScroll() {
    const el = scroller.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
    if (atBottom.current) setUnseen(0);
    if (el.scrollTop < 120 && history.hasNextPage && !history.isFetchingNextPage) {
      prepending.current = { height: el.scrollHeight, top: el.scrollTop };
      void history.fetchNextPage();
    }
  }

  function toBottom() {
    const el = scroller.current!;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
  }

  if (loaded.isError) return <section className="thread"><p className="error pad">{loaded.error.message}</p></section>;
  if (!conversation) return <section className="thread"><p className="muted pad">Loading…</p></section>;

  // A file dragged over the thread is offered to the composer (one file: WhatsApp sends one per message).
  const carriesFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');
  const onDragOver = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDragLeave = (e: DragEvent) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) setDropped({ file, at: Date.now() });
  };

  const others = (viewers ?? []).filter((v) => v.userId !== meId);
  const typists = Object.values(typing ?? {});
  const name = conversation.contactName || `+${conversation.contactWaId}`;

  return (
    <section className="thread" data-testid="thread" onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      {dragging && <div className="drop-zone" data-testid="drop-zone">Drop the file to send it on WhatsApp</div>}
      <header className="thread-head">
        <button className="link back" onClick={() => navigate('/')} aria-label="Back to the list">←</button>
        <div>
          <div className="name" data-testid="thread-name">{name}</div>
          <div className="muted small">
            +{conversation.contactWaId}
            {others.length > 0 && <span data-testid="viewers"> · also viewing: {others.map((v) => v.userName).join(', ')}</span>}
          </div>
        </div>
        <ConversationActions conversation={conversation} />
        <ContactPanelToggle />
      </header>
      <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
        {history.isFetchingNextPage && <p className="muted center small">Loading older messages…</p>}
        {!history.hasNextPage && !history.isPending && <p className="muted center small">Start of the conversation</p>}
        {messages.map((m, i) => (
          <Fragment key={m.id}>
            {needsDivider(messages[i - 1]?.sentAt, m.sentAt) && <div className="divider"><span>{dayLabel(m.sentAt)}</span></div>}
            <Bubble m={m} quoted={m.replyToWamid ? byWamid.get(m.replyToWamid) : undefined} onReply={() => setReplyTo(m)} />
          </Fragment>
        ))}
      </div>
      {unseen > 0 && <button className="new-below" onClick={toBottom}>↓ {unseen} new</button>}
      <div className="typing-line" data-testid="thread-typing">
        {typists.map((t) => `${t.userName} is ${t.isPrivate ? 'writing a note' : 'typing'}…`).join(' · ')}
      </div>
      <Composer conversation={conversation} latestMessageId={messages.at(-1)?.id} replyTo={replyTo} clearReply={() => setReplyTo(null)}
        dropped={dropped} />
    </section>
  );
}
