import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { BODY_MAX } from '@parley/protocol';

/**
 * Unsent drafts per conversation, for this page's life only (never stored): switching rooms
 * does not lose what you typed. Cleared on sign-out.
 */
const drafts = new Map<string, string>();
export const clearDrafts = () => drafts.clear();

interface Props {
  /** Which conversation the draft belongs to: a room id, or `dm:` and a username. */
  draftKey: string;
  /** The field's accessible name and placeholder, e.g. "Message #design". */
  label: string;
  onSend: (body: string) => void;
  /** Why sending is not possible right now; the field stays usable for the draft. */
  blocked?: string | undefined;
  /** Called as the user types (the caller throttles what it tells others). */
  onTyping?: () => void;
}

export function Composer({ draftKey, label, onSend, blocked, onTyping }: Props) {
  const [body, setBodyState] = useState(() => drafts.get(draftKey) ?? '');
  const setBody = (text: string) => {
    setBodyState(text);
    if (text) drafts.set(draftKey, text);
    else drafts.delete(draftKey);
  };
  const ref = useRef<HTMLTextAreaElement>(null);
  const length = body.trim().length;
  const tooLong = length > BODY_MAX;

  useEffect(() => {
    // Grow with the text up to a few lines, then scroll inside.
    const area = ref.current;
    if (!area) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
  }, [body]);

  function send() {
    if (length === 0 || tooLong || blocked) return;
    onSend(body);
    setBody('');
    ref.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter is a new line; Enter while an IME composes confirms the word.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label className="visually-hidden" htmlFor="composer-input">
        {label}
      </label>
      <textarea
        id="composer-input"
        ref={ref}
        rows={1}
        placeholder={label}
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          if (e.target.value.trim()) onTyping?.();
        }}
        onKeyDown={onKeyDown}
        aria-describedby={tooLong ? 'composer-limit' : blocked ? 'composer-blocked' : undefined}
        autoFocus={window.matchMedia('(pointer: fine)').matches}
      />
      {length > BODY_MAX - 200 && (
        <span id="composer-limit" className={tooLong ? 'limit limit-over' : 'limit'}>
          {BODY_MAX - length}
        </span>
      )}
      {blocked && (
        <span id="composer-blocked" className="visually-hidden">
          {blocked}
        </span>
      )}
      <button type="submit" className="primary send" disabled={length === 0 || tooLong || Boolean(blocked)}>
        Send
      </button>
    </form>
  );
}
