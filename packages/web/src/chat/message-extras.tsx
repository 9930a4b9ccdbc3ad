import type { Message, ReplyRef } from '@parley/protocol';
import { hasReacted } from '../state/message-changes.js';

/** A small set for the picker: reactions are any emoji, this is what one click offers. */
export const QUICK_EMOJIS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '🙏'];

/** The quoted excerpt above a reply. */
export function ReplyQuote({ to }: { to: ReplyRef }) {
  return (
    <div className="reply-quote" data-testid="reply-quote">
      <span className="reply-sender">{to.sender.username}</span>{' '}
      {to.excerpt ? <span className="reply-excerpt">{to.excerpt}</span> : <em className="muted">deleted message</em>}
    </div>
  );
}

/** The reactions under a message, each a toggle. */
export function ReactionChips(props: { message: Message; me: string | undefined; onToggle: (emoji: string) => void }) {
  const { message } = props;
  if (message.reactions.length === 0) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {message.reactions.map((r) => {
        const mine = hasReacted(message, r.emoji, props.me);
        const who =
          r.users.map((u) => u.username).join(', ') +
          (r.count > r.users.length ? ` and ${r.count - r.users.length} more` : '');
        return (
          <button
            key={r.emoji}
            type="button"
            className={mine ? 'reaction reaction-mine' : 'reaction'}
            aria-pressed={mine}
            title={who}
            data-testid="reaction"
            onClick={() => props.onToggle(r.emoji)}
          >
            <span aria-hidden="true">{r.emoji}</span> {r.count}
            <span className="visually-hidden"> reactions with {r.emoji}</span>
          </button>
        );
      })}
    </div>
  );
}

export function EmojiPicker(props: { onPick: (emoji: string) => void; onClose: () => void }) {
  return (
    <div
      className="emoji-picker"
      role="menu"
      aria-label="Pick a reaction"
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
    >
      {QUICK_EMOJIS.map((emoji) => (
        <button
          key={emoji}
          type="button"
          role="menuitem"
          className="emoji-option"
          aria-label={`React with ${emoji}`}
          onClick={() => {
            props.onPick(emoji);
            props.onClose();
          }}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
