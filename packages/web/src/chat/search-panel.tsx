import { useEffect, useRef, useState } from 'react';
import { useAppState, useController } from '../state/use-controller.js';
import { formatFull, formatTime } from '../ui/format-time.js';

/** Search over the rooms we belong to (or this one); a result opens its room at that message. */
export function SearchPanel({ roomId }: { roomId: string | undefined }) {
  const { attention } = useController();
  const search = useAppState((s) => s.search);
  const rooms = useAppState((s) => s.rooms);
  const [text, setText] = useState(search?.query ?? '');
  const [scope, setScope] = useState<'room' | 'all'>(roomId ? 'room' : 'all');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);
  if (!search) return null;
  const scopeRoom = scope === 'room' ? roomId : undefined;

  return (
    <aside className="search-panel" aria-label="Search messages">
      <form
        className="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void attention.search(text, scopeRoom);
        }}
      >
        <label className="visually-hidden" htmlFor="search-input">
          Search messages
        </label>
        <input
          id="search-input"
          ref={input}
          type="search"
          placeholder="Search messages"
          maxLength={200}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') attention.closeSearch();
          }}
        />
        {roomId && (
          <select aria-label="Where" value={scope} onChange={(e) => setScope(e.target.value as 'room' | 'all')}>
            <option value="room">This room</option>
            <option value="all">All rooms</option>
          </select>
        )}
        <button type="submit" className="primary">
          Search
        </button>
        <button type="button" className="secondary" onClick={() => attention.closeSearch()}>
          Close
        </button>
      </form>
      <div className="search-results" aria-live="polite">
        {search.error && <p className="error small">{search.error}</p>}
        {search.query && !search.loading && search.results.length === 0 && !search.error && (
          <p className="muted small pad">No messages match “{search.query}”.</p>
        )}
        <ol>
          {search.results.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className="search-result"
                data-testid="search-result"
                onClick={() => {
                  attention.closeSearch();
                  void attention.jumpTo(m.roomId, m.seq);
                }}
              >
                <span className="search-result-meta">
                  <span className="room-hash">#</span>
                  {rooms[m.roomId]?.room.name ?? 'room'} · <strong>{m.sender.username}</strong> ·{' '}
                  <time dateTime={m.sentAt} title={formatFull(m.sentAt)}>
                    {formatTime(m.sentAt)}
                  </time>
                </span>
                <span className="search-result-body">{m.body}</span>
              </button>
            </li>
          ))}
        </ol>
        {search.loading && <p className="muted small pad">Searching…</p>}
        {search.hasMore && !search.loading && (
          <button
            type="button"
            className="link-button pad"
            onClick={() => void attention.search(search.query, search.roomId, true)}
          >
            More results
          </button>
        )}
      </div>
    </aside>
  );
}
