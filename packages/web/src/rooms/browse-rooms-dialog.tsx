import { useEffect, useState } from 'react';
import type { Room } from '@parley/protocol';
import { useAppState, useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

export function BrowseRoomsDialog({ onClose }: { onClose: () => void }) {
  const { rooms } = useController();
  const directory = useAppState((s) => s.directory);
  const joined = useAppState((s) => s.rooms);
  const [filter, setFilter] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | undefined>();

  useEffect(() => {
    void rooms.refreshDirectory();
  }, [rooms]);

  async function join(room: Room) {
    setBusy(room.id);
    const failure = await rooms.join(room);
    setBusy(undefined);
    if (failure) setErrors((e) => ({ ...e, [room.id]: failure }));
    else onClose();
  }

  const needle = filter.trim().toLowerCase();
  const shown = directory.filter(
    (r) => !joined[r.id] && (r.name.toLowerCase().includes(needle) || r.topic.toLowerCase().includes(needle)),
  );
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
      <ul className="directory" aria-label="Rooms you can join">
        {shown.length === 0 && <li className="muted">No other rooms{needle ? ' match' : ' yet'}.</li>}
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
      </ul>
    </Modal>
  );
}
