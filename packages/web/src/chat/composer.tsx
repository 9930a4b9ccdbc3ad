import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
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
  /** Issue 14: what the message answers or edits, shown above the field. */
  banner?: ReactNode;
  /** Replaces the text whenever `key` changes (editing a message puts its text here). */
  fill?: { key: number; text: string } | undefined;
  /** Up in an empty field (edit your last message). */
  onUpWhenEmpty?: (() => void) | undefined;
  /** Escape (cancel a reply or an edit). */
  onEscape?: (() => void) | undefined;
  submitLabel?: string | undefined;
}

export function Composer({
  draftKey,
  label,
  onSend,
  blocked,
  banner,
  fill,
  onUpWhenEmpty,
  onEscape,
  submitLabel,
}: Props) {
  const [body, setBodyState] = useState(() => drafts.get(draftKey) ?? '');
  const setBody = (text: string) => {
    setBodyState(text);
    if (text) drafts.set(draftKey, text);
    else drafts.delete(draftKey);
  };
  const ref = useRef<HTMLTextAreaElement>(null);
  const filled = useRef(fill?.key);
  useEffect(() => {
    if (!fill || fill.key === filled.current) return;
    filled.current = fill.key;
    setBody(fill.text);
    ref.current?.focus();
    // setBody only writes the draft map and state; the fill's key alone decides when to run.
  }, [fill?.key]);
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
    if (event.key === 'ArrowUp' && body === '' && onUpWhenEmpty) {
      event.preventDefault();
      onUpWhenEmpty();
      return;
    }
    if (event.key === 'Escape' && onEscape) {
      event.preventDefault();
      onEscape();
      return;
    }
    // Enter sends; Shift+Enter is a new line; Enter while an IME composes confirms the word.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <>
      {banner}
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
          onChange={(e) => setBody(e.target.value)}
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
          {submitLabel ?? 'Send'}
        </button>
      </form>
    </>
  );
}
