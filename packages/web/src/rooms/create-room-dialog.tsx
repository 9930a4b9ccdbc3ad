import { useId, useState, type FormEvent } from 'react';
import { ROOM_CAPACITY_DEFAULT, ROOM_CAPACITY_MAX, ROOM_NAME_MAX, ROOM_TOPIC_MAX } from '@parley/protocol';
import { useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

export function CreateRoomDialog({ onClose }: { onClose: () => void }) {
  const { rooms } = useController();
  const id = useId();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [capacity, setCapacity] = useState(String(ROOM_CAPACITY_DEFAULT));
  const [isPrivate, setPrivate] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const cap = Number(capacity);
    if (!name.trim()) return setError('Give the room a name.');
    if (!Number.isInteger(cap) || cap < 1 || cap > ROOM_CAPACITY_MAX) {
      return setError(`Capacity must be a whole number from 1 to ${ROOM_CAPACITY_MAX}.`);
    }
    setBusy(true);
    const failure = await rooms.create({
      name: name.trim(),
      topic: topic.trim(),
      capacity: cap,
      visibility: isPrivate ? 'private' : 'public',
    });
    setBusy(false);
    if (failure) setError(failure);
    else onClose();
  }

  return (
    <Modal title="Create a room" onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={ROOM_NAME_MAX}
          onChange={(e) => setName(e.target.value)}
          autoFocus
          required
        />
        <label htmlFor={`${id}-topic`}>Topic (optional)</label>
        <input id={`${id}-topic`} value={topic} maxLength={ROOM_TOPIC_MAX} onChange={(e) => setTopic(e.target.value)} />
        <label htmlFor={`${id}-cap`}>Capacity</label>
        <input
          id={`${id}-cap`}
          type="number"
          inputMode="numeric"
          min={1}
          max={ROOM_CAPACITY_MAX}
          value={capacity}
          onChange={(e) => setCapacity(e.target.value)}
        />
        <label className="check">
          <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} />
          Private: only people you invite can find and join it
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create room
          </button>
        </div>
      </form>
    </Modal>
  );
}
