import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { BODY_MAX } from '@parley/protocol';
import { useController } from '../state/use-controller.js';

/** Unsent drafts per room, for this page's life: switching rooms does not lose what you typed. */
const drafts = new Map<string, string>();

export function Composer({ roomId, roomName }: { roomId: string; roomName: string }) {
  const { chat } = useController();
  const [body, setBodyState] = useState(() => drafts.get(roomId) ?? '');
  const setBody = (text: string) => {
    setBodyState(text);
    if (text) drafts.set(roomId, text);
    else drafts.delete(roomId);
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
    if (length === 0 || tooLong) return;
    chat.send(roomId, body);
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
        Message #{roomName}
      </label>
      <textarea
        id="composer-input"
        ref={ref}
        rows={1}
        placeholder={`Message #${roomName}`}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={tooLong ? 'composer-limit' : undefined}
        autoFocus={window.matchMedia('(pointer: fine)').matches}
      />
      {length > BODY_MAX - 200 && (
        <span id="composer-limit" className={tooLong ? 'limit limit-over' : 'limit'}>
          {BODY_MAX - length}
        </span>
      )}
      <button type="submit" className="primary send" disabled={length === 0 || tooLong}>
        Send
      </button>
    </form>
  );
}
