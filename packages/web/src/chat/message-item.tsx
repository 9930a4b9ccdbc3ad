import { useRef, useState } from 'react';
import type { Message } from '@parley/protocol';
import type { Outgoing } from '../state/app-state.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Avatar } from '../ui/avatar.js';
import { formatFull, formatTime } from '../ui/format-time.js';
import { RichText } from './rich-text.js';
import { MessageBody } from './message-body.js';
import { ReactionChips, ReplyQuote } from './message-extras.js';
import { MessageMenu } from './message-menu.js';

/** A press this long on a touch screen opens the message's menu. */
const LONG_PRESS_MS = 500;
import { Attachments } from './attachments.js';

interface Props {
  message: Message;
  continuation: boolean;
  mine: boolean;
}

export function MessageItem({ message, continuation, mine }: Props) {
  const me = useAppState((s) => s.me);
  const { changes } = useController();
  const [menuOpen, setMenuOpen] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const endPress = () => clearTimeout(press.current);
  const mentionsMe = message.mentions?.some((u) => u.id === me?.id) ?? false;
  const classes = [
    'message',
    continuation && 'message-cont',
    message.deletedAt && 'message-deleted',
    mentionsMe && 'message-mentions-me',
  ];
  return (
    <li
      className={classes.filter(Boolean).join(' ')}
      data-testid="message"
      data-seq={message.seq}
      data-id={message.id}
      data-status={mine ? 'sent' : undefined}
      onTouchStart={() => {
        endPress();
        press.current = setTimeout(() => setMenuOpen(true), LONG_PRESS_MS);
      }}
      onTouchEnd={endPress}
      onTouchMove={endPress}
      onMouseLeave={() => setMenuOpen(false)}
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
        {message.replyTo && <ReplyQuote to={message.replyTo} />}
        <div className="message-body">
          <span data-testid="message-text">
            {message.deletedAt ? (
              <em className="muted deleted-mark">Message deleted</em>
            ) : (
              <MessageBody text={message.body} mentions={message.mentions} me={me?.username} />
            )}
          </span>
          {message.editedAt && !message.deletedAt && (
            <span className="edited-mark muted small" title={formatFull(message.editedAt)} data-testid="edited">
              (edited)
            </span>
          )}
          {/* Issue 15: files the message carries. */}
          <Attachments files={message.attachments} />
          {mine && (
            <span className="delivery delivery-sent" title="Sent">
              <span aria-hidden="true">✓</span>
              <span className="visually-hidden">Sent</span>
            </span>
          )}
        </div>
        <ReactionChips message={message} me={me?.id} onToggle={(emoji) => void changes.react(message, emoji)} />
      </div>
      <MessageMenu message={message} mine={mine} open={menuOpen} onClose={() => setMenuOpen(false)} />
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
