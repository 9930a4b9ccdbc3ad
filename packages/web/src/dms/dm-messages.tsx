import { useLayoutEffect, useRef } from 'react';
import type { DmMessage } from '../state/app-state.js';
import { RichText } from '../chat/rich-text.js';
import { Avatar } from '../ui/avatar.js';
import { formatFull, formatTime } from '../ui/format-time.js';

interface Props {
  peer: string;
  me: string;
  messages: DmMessage[];
  /** False where this page cannot encrypt (no WebCrypto): then nothing claims it does. */
  encrypted?: boolean;
  onRetry: (localId: string) => void;
  onDiscard: (localId: string) => void;
}

/** The conversation, oldest first; it is short-lived, so there is no history to page through. */
export function DmMessages({ peer, me, messages, encrypted = true, onRetry, onDiscard }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const count = messages.length;

  useLayoutEffect(() => {
    // A new message, ours or theirs, always comes into view: the conversation is short.
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  return (
    <div className="message-pane">
      <div className="message-scroll" ref={ref}>
        <div role="log" aria-live="polite" aria-label={`Private messages with ${peer}`}>
          <ol className="message-list">
            <li className="history-edge room-start">
              <strong>Private conversation with {peer}.</strong>{' '}
              <span className="muted">
                {encrypted
                  ? 'End-to-end encrypted: the server passes on only ciphertext.'
                  : 'Not available here: this address has no HTTPS.'}
              </span>
            </li>
            {messages.map((m, i) => {
              const previous = messages[i - 1];
              const continuation = previous !== undefined && previous.mine === m.mine;
              const author = m.mine ? me : peer;
              return (
                <li
                  key={m.localId}
                  className={`message${continuation ? ' message-cont' : ''}${m.status === 'sending' ? ' message-outgoing' : ''}`}
                  data-testid="dm-message"
                  data-status={m.status}
                >
                  <div className="message-gutter">{!continuation && <Avatar name={author} />}</div>
                  <div className="message-content">
                    {!continuation && (
                      <div className="message-meta">
                        <span className="sender">{author}</span>
                        <time dateTime={m.sentAt} title={formatFull(m.sentAt)}>
                          {formatTime(m.sentAt)}
                        </time>
                      </div>
                    )}
                    <div className="message-body">
                      <span data-testid="dm-text">
                        <RichText text={m.text} />
                      </span>
                    </div>
                    {m.mine && <DeliveryState message={m} peer={peer} onRetry={onRetry} onDiscard={onDiscard} />}
                  </div>
                </li>
              );
            })}
          </ol>
        </div>
      </div>
    </div>
  );
}

function DeliveryState(props: {
  message: DmMessage;
  peer: string;
  onRetry: (localId: string) => void;
  onDiscard: (localId: string) => void;
}) {
  const { message: m, peer } = props;
  switch (m.status) {
    case 'sending':
      return <span className="dm-state">Sending…</span>;
    case 'queued':
      return (
        <span
          className="dm-state"
          title={`The server drops it at ${formatTime(m.expiresAt)} if ${peer} has not got it`}
        >
          Queued: waiting for {peer} until {formatTime(m.expiresAt)}
        </span>
      );
    case 'delivered':
      return <span className="dm-state dm-state-delivered">Delivered ✓✓</span>;
    case 'expired':
      return <span className="dm-state dm-state-bad">Expired: {peer} did not get it in time</span>;
    case 'failed':
      return (
        <span className="dm-state dm-state-bad" role="alert">
          Not sent{m.error ? `: ${m.error}` : ''}.{' '}
          <button type="button" className="link-button" onClick={() => props.onRetry(m.localId)}>
            Retry
          </button>{' '}
          <button type="button" className="link-button" onClick={() => props.onDiscard(m.localId)}>
            Discard
          </button>
        </span>
      );
    default:
      return null;
  }
}
