import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { firstUnreadSeq, lastOwnSeq, seenBy } from '../state/attention.js';
import { isContinuation, sameDay } from '../state/messages.js';
import { useAppState, useController } from '../state/use-controller.js';
import { formatDay } from '../ui/format-time.js';
import { SeenBy, TypingLine, UnreadDivider } from './attention-parts.js';
import { MessageItem, OutgoingItem } from './message-item.js';

/** How close to the bottom still counts as "at the bottom", in px. */
const STICKY_PX = 48;
/** Start loading older history this far before the top is reached. */
const PREFETCH_PX = 300;

interface Snapshot {
  first: string | undefined;
  last: string | undefined;
  count: number;
  height: number;
  pending: number;
}

export function MessageList({ roomId }: { roomId: string }) {
  const { chat, attention } = useController();
  const view = useAppState((s) => s.rooms[roomId]);
  const outbox = useAppState((s) => s.outbox);
  const me = useAppState((s) => s.me);
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef<Snapshot | undefined>(undefined);
  const [newCount, setNewCount] = useState(0);
  const [dividerAbove, setDividerAbove] = useState(false);

  const messages = view?.messages ?? [];
  const pending = outbox.filter((o) => o.roomId === roomId);
  const hasMore = view?.hasMore ?? false;
  const loadingOlder = view?.loadingOlder ?? false;

  const maybeLoadOlder = useCallback(() => {
    const el = ref.current;
    if (el && hasMore && !loadingOlder && el.scrollTop < PREFETCH_PX) void chat.loadOlder(roomId);
  }, [chat, roomId, hasMore, loadingOlder]);

  const scrollToBottom = useCallback(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setNewCount(0);
  }, []);

  // Runs after every render, before paint: decides where the view stays as the list changes.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = before.current;
    const first = messages[0]?.id;
    const last = messages.at(-1)?.id;
    if (!prev) {
      // Opened with unread messages: start at the divider, so the first unread is in view.
      const divider = el.querySelector<HTMLElement>('.unread-divider');
      if (divider && divider.offsetTop < el.scrollHeight - el.clientHeight) {
        el.scrollTop = Math.max(0, divider.offsetTop - 8);
        atBottom.current = false;
      } else el.scrollTop = el.scrollHeight;
    } else if (first !== prev.first && last === prev.last) {
      // Older history went in above: keep the same messages under the reader's eyes.
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (last !== prev.last || pending.length > prev.pending) {
      const sentByMe = pending.length > prev.pending || messages.at(-1)?.sender.id === me?.id;
      if (atBottom.current || sentByMe) {
        el.scrollTop = el.scrollHeight;
        if (sentByMe) setNewCount(0);
      } else {
        const added = Math.max(1, messages.length - prev.count);
        setNewCount((n) => n + added);
      }
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { first, last, count: messages.length, height: el.scrollHeight, pending: pending.length };
  });

  useEffect(() => {
    // Too little history to scroll: fetch more until the pane fills or the room's start is reached.
    const el = ref.current;
    if (el && el.scrollHeight <= el.clientHeight) maybeLoadOlder();
  }, [messages.length, maybeLoadOlder]);

  useEffect(() => {
    // A resize (phone keyboard, rotated screen) must not leave a reader at the bottom stranded above it.
    const el = ref.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const highlightSeq = view?.highlightSeq;
  useEffect(() => {
    // A search result or the first unread: bring it into view and mark it for a moment.
    const el = ref.current;
    if (!el || highlightSeq === undefined) return undefined;
    const target = el.querySelector<HTMLElement>(`[data-seq="${highlightSeq}"]`);
    if (!target) return undefined;
    target.scrollIntoView({ block: 'center' });
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    target.classList.add('message-highlight');
    const timer = setTimeout(() => {
      target.classList.remove('message-highlight');
      attention.clearHighlight(roomId);
    }, 4000);
    return () => clearTimeout(timer);
  }, [highlightSeq, messages.length, attention, roomId]);

  const firstUnread = view ? firstUnreadSeq(view) : undefined;
  const firstUnreadLoaded = firstUnread !== undefined && (messages[0]?.seq ?? Infinity) <= firstUnread;

  function onScroll() {
    const el = ref.current;
    if (!el) return;
    const divider = el.querySelector<HTMLElement>('.unread-divider');
    setDividerAbove(divider ? divider.offsetTop + divider.offsetHeight < el.scrollTop : false);
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    if (atBottom.current && newCount > 0) setNewCount(0);
    maybeLoadOlder();
  }

  if (!view) return null;
  const ownSeq = me ? lastOwnSeq(view, me) : undefined;
  return (
    <div className="message-pane">
      {firstUnread !== undefined && (dividerAbove || !firstUnreadLoaded) && (
        <button
          type="button"
          className="jump-unread"
          data-testid="jump-unread"
          onClick={() => void attention.jumpTo(roomId, firstUnread)}
        >
          ↑ Jump to first unread
        </button>
      )}
      <div className="message-scroll" ref={ref} onScroll={onScroll} data-testid="message-scroll">
        <div role="log" aria-live="polite" aria-label={`Messages in #${view.room.name}`}>
          <ol className="message-list">
            {hasMore ? (
              <li className="history-edge muted small" aria-live="off">
                {loadingOlder ? 'Loading older messages…' : ' '}
              </li>
            ) : (
              <li className="history-edge room-start">
                <strong>This is the very beginning of #{view.room.name}.</strong>
                {view.room.topic && <span className="muted"> {view.room.topic}</span>}
              </li>
            )}
            {messages.map((message, i) => {
              const previous = messages[i - 1];
              const newDay = !previous || !sameDay(previous.sentAt, message.sentAt);
              return (
                <Fragment key={message.id}>
                  {message.seq === firstUnread && <UnreadDivider />}
                  {newDay && (
                    <li className="day-divider" role="separator">
                      <span>{formatDay(message.sentAt)}</span>
                    </li>
                  )}
                  <MessageItem
                    message={message}
                    continuation={!newDay && isContinuation(previous, message)}
                    mine={message.sender.id === me?.id}
                  />
                  {me && message.seq === ownSeq && <SeenBy users={seenBy(view, message, me)} />}
                </Fragment>
              );
            })}
            {pending.map((item, i) => (
              <OutgoingItem
                key={item.clientMsgId}
                item={item}
                author={i === 0 && messages.at(-1)?.sender.id !== me?.id ? me?.username : undefined}
                onRetry={() => chat.retry(item.clientMsgId)}
                onDiscard={() => chat.discard(item.clientMsgId)}
              />
            ))}
          </ol>
        </div>
      </div>
      <TypingLine roomId={roomId} />
      {newCount > 0 && (
        <button type="button" className="new-messages" onClick={scrollToBottom}>
          ↓ {newCount} new {newCount === 1 ? 'message' : 'messages'}
        </button>
      )}
    </div>
  );
}
