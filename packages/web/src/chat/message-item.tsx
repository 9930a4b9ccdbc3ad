import type { Message } from '@parley/protocol';
import type { Outgoing } from '../state/app-state.js';
import { Avatar } from '../ui/avatar.js';
import { formatFull, formatTime } from '../ui/format-time.js';
import { RichText } from './rich-text.js';
import { Attachments } from './attachments.js';

interface Props {
  message: Message;
  continuation: boolean;
  mine: boolean;
}

export function MessageItem({ message, continuation, mine }: Props) {
  return (
    <li
      className={`message${continuation ? ' message-cont' : ''}`}
      data-testid="message"
      data-seq={message.seq}
      data-status={mine ? 'sent' : undefined}
    >
      <div className="message-gutter">
        {continuation ? (
          <time className="hover-time" dateTime={message.sentAt} title={formatFull(message.sentAt)}>
            {formatTime(message.sentAt)}
          </time>
        ) : (
          <Avatar name={message.sender.username} />
        )}
      </div>
      <div className="message-content">
        {!continuation && (
          <div className="message-meta">
            <span className="sender">{message.sender.username}</span>
            {/* Issue 15: the time is the message's permalink. */}
            <a className="permalink" href={`/r/${encodeURIComponent(message.roomId)}/m/${message.seq}`}>
              <time dateTime={message.sentAt} title={formatFull(message.sentAt)}>
                {formatTime(message.sentAt)}
              </time>
            </a>
          </div>
        )}
        <div className="message-body">
          <span data-testid="message-text">
            <RichText text={message.body} />
          </span>
          {/* Issue 15: files the message carries. */}
          <Attachments files={message.attachments} />
          {mine && (
            <span className="delivery delivery-sent" title="Sent">
              <span aria-hidden="true">✓</span>
              <span className="visually-hidden">Sent</span>
            </span>
          )}
        </div>
      </div>
    </li>
  );
}

/** A message of ours the server has not acknowledged: pending, or failed with a retry. */
export function OutgoingItem(props: {
  item: Outgoing;
  /** The first of a group: shows who is writing (always us) above the text. */
  author: string | undefined;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const { item, author } = props;
  return (
    <li
      className={`message message-outgoing${author ? '' : ' message-cont'}`}
      data-testid="message"
      data-status={item.status}
    >
      <div className="message-gutter">{author && <Avatar name={author} />}</div>
      <div className="message-content">
        {author && (
          <div className="message-meta">
            <span className="sender">{author}</span>
          </div>
        )}
        <div className="message-body">
          <span data-testid="message-text">
            <RichText text={item.body} />
          </span>
          <Attachments files={item.attachments} />
        </div>
        {item.status === 'pending' ? (
          <span className="delivery delivery-pending" role="status">
            Sending…
          </span>
        ) : (
          <span className="delivery delivery-failed" role="alert">
            Not sent{item.error ? `: ${item.error}` : ''}.{' '}
            <button type="button" className="link-button" onClick={props.onRetry}>
              Retry
            </button>{' '}
            <button type="button" className="link-button" onClick={props.onDiscard}>
              Discard
            </button>
          </span>
        )}
      </div>
    </li>
  );
}
