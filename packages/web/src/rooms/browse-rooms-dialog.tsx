import { useCallback, useEffect, useRef, useState } from 'react';
import type { Room } from '@parley/protocol';
import { describeError } from '../state/context.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

/** Rooms a page: enough to fill the dialog, small enough that a server of many rooms stays light. */
const PAGE_SIZE = 30;
/** Typing pauses this long before the server is asked. */
const SEARCH_DELAY_MS = 200;

interface Listing {
  rooms: Room[];
  nextCursor: string | undefined;
  loading: boolean;
  error: string | undefined;
}

/**
 * Asks the server for the rooms the user is not in, one page at a time, filtered by what they
 * type; a newer search makes the answers of older ones stale.
 */
function useRoomSearch(query: string) {
  const { rooms } = useController();
  const [listing, setListing] = useState<Listing>({
    rooms: [],
    nextCursor: undefined,
    loading: true,
    error: undefined,
  });
  const latest = useRef(0);

  const load = useCallback(
    async (cursor: string | undefined) => {
      const request = ++latest.current;
      setListing((l) => ({ ...l, loading: true, error: undefined }));
      const needle = query.trim();
      const answer = await rooms.listRooms({
        joined: false,
        limit: PAGE_SIZE,
        ...(needle ? { query: needle } : {}),
        ...(cursor ? { cursor } : {}),
      });
      if (request !== latest.current) return;
      if (!answer?.ok) {
        const error = answer ? describeError(answer.error) : 'Not connected';
        setListing((l) => ({ ...l, loading: false, error }));
        return;
      }
      setListing((l) => ({
        rooms: cursor ? [...l.rooms, ...answer.rooms] : answer.rooms,
        nextCursor: answer.nextCursor,
        loading: false,
        error: undefined,
      }));
    },
    [rooms, query],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(undefined), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [load]);

  return { listing, more: () => void load(listing.nextCursor) };
}

export function BrowseRoomsDialog({ onClose }: { onClose: () => void }) {
  const { rooms } = useController();
  const joined = useAppState((s) => s.rooms);
  const [filter, setFilter] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | undefined>();
  const { listing, more } = useRoomSearch(filter);

  async function join(room: Room) {
    setBusy(room.id);
    const failure = await rooms.join(room);
    setBusy(undefined);
    if (failure) setErrors((e) => ({ ...e, [room.id]: failure }));
    else onClose();
  }

  const searching = filter.trim() !== '';
  // A room joined in another tab since the page was fetched is left out here too.
  const shown = listing.rooms.filter((r) => !joined[r.id]);
  return (
    <Modal title="Browse rooms" onClose={onClose}>
      <label className="visually-hidden" htmlFor="room-filter">
        Find a room
      </label>
      <input
        id="room-filter"
        type="search"
        placeholder="Find a room"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        autoFocus
      />
      <ul className="directory" aria-label="Rooms you can join" aria-busy={listing.loading}>
        {listing.error && (
          <li className="form-error" role="alert">
            Could not list rooms: {listing.error}
          </li>
        )}
        {!listing.loading && !listing.error && shown.length === 0 && (
          <li className="muted">No other rooms{searching ? ' match' : ' yet'}.</li>
        )}
        {shown.map((room) => {
          const full = room.memberCount >= room.capacity;
          return (
            <li key={room.id} className="directory-item">
              <div className="directory-text">
                <strong># {room.name}</strong>
                {room.topic && <span className="muted">{room.topic}</span>}
                <span className="muted small">
                  {room.memberCount} / {room.capacity} members
                </span>
                {errors[room.id] && (
                  <span className="form-error" role="alert">
                    {errors[room.id]}
                  </span>
                )}
              </div>
              <button
                type="button"
                className="secondary"
                disabled={busy === room.id}
                aria-label={`Join ${room.name}`}
                onClick={() => void join(room)}
              >
                {full ? 'Full' : 'Join'}
              </button>
            </li>
          );
        })}
        {listing.nextCursor && (
          <li className="directory-more">
            <button type="button" className="secondary" disabled={listing.loading} onClick={more}>
              Show more rooms
            </button>
          </li>
        )}
      </ul>
    </Modal>
  );
}
