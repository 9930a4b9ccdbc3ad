import { useEffect, useId, useState, type FormEvent } from 'react';
import { ROOM_CAPACITY_MAX, ROOM_NAME_MAX, ROOM_TOPIC_MAX, SLOW_MODE_MAX_SECONDS, type User } from '@parley/protocol';
import { DEFAULT_PREFS, mayModerate, myRole, type NotifyLevel } from '../state/room-admin.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

/**
 * Issue 15: a room's settings. Everyone sets their own notifications and mute; owner and
 * moderators edit name, topic, capacity, visibility and slow mode and lift bans; the owner
 * deletes the room.
 */
export function RoomSettingsDialog({
  roomId,
  onClose,
  onInvite,
}: {
  roomId: string;
  onClose: () => void;
  /** Opens the invitation dialog, when the user may invite (the header's button hides on phones). */
  onInvite?: (() => void) | undefined;
}) {
  const { roomAdmin } = useController();
  const id = useId();
  const view = useAppState((s) => s.rooms[roomId]);
  const role = useAppState((s) => myRole(s, roomId));
  const prefs = useAppState((s) => s.roomPrefs[roomId]) ?? DEFAULT_PREFS;
  const room = view?.room;
  const [name, setName] = useState(room?.name ?? '');
  const [topic, setTopic] = useState(room?.topic ?? '');
  const [capacity, setCapacity] = useState(String(room?.capacity ?? ''));
  const [visibility, setVisibility] = useState(room?.visibility ?? 'public');
  const [slow, setSlow] = useState(String(room?.slowModeSeconds ?? 0));
  const [error, setError] = useState<string | undefined>();
  const [bans, setBans] = useState<User[]>([]);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const moderator = mayModerate(role);

  useEffect(() => {
    if (moderator) void roomAdmin.bans(roomId).then(setBans);
  }, [moderator, roomAdmin, roomId]);

  if (!room) return null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const cap = Number(capacity);
    const seconds = Number(slow);
    if (!name.trim()) return setError('Give the room a name.');
    if (!Number.isInteger(cap) || cap < 1 || cap > ROOM_CAPACITY_MAX) return setError('Capacity: a whole number.');
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > SLOW_MODE_MAX_SECONDS)
      return setError(`Slow mode: 0 to ${SLOW_MODE_MAX_SECONDS} seconds.`);
    const failure = await roomAdmin.update({
      roomId,
      name: name.trim(),
      topic: topic.trim(),
      capacity: cap,
      visibility,
      slowModeSeconds: seconds,
    });
    if (failure) setError(failure);
    else onClose();
  }

  return (
    <Modal title={`#${room.name} settings`} onClose={onClose}>
      {onInvite && (
        <div className="actions">
          <button type="button" className="secondary" onClick={onInvite}>
            Invite someone
          </button>
        </div>
      )}
      <fieldset className="stack">
        <legend>Your notifications</legend>
        <label htmlFor={`${id}-level`}>Notify me about</label>
        <select
          id={`${id}-level`}
          value={prefs.level}
          onChange={(e) => roomAdmin.setPrefs(roomId, { ...prefs, level: e.target.value as NotifyLevel })}
        >
          <option value="all">All messages</option>
          <option value="mentions">Mentions of me only</option>
          <option value="none">Nothing</option>
        </select>
        <label className="check">
          <input
            type="checkbox"
            checked={prefs.muted}
            onChange={(e) => roomAdmin.setPrefs(roomId, { ...prefs, muted: e.target.checked })}
          />
          Mute this room (no notifications, no unread count)
        </label>
      </fieldset>
      {moderator ? (
        <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} maxLength={ROOM_NAME_MAX} onChange={(e) => setName(e.target.value)} />
          <label htmlFor={`${id}-topic`}>Topic</label>
          <input
            id={`${id}-topic`}
            value={topic}
            maxLength={ROOM_TOPIC_MAX}
            onChange={(e) => setTopic(e.target.value)}
          />
          <label htmlFor={`${id}-cap`}>Capacity</label>
          <input
            id={`${id}-cap`}
            type="number"
            min={1}
            max={ROOM_CAPACITY_MAX}
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
          <label htmlFor={`${id}-vis`}>Who can find and join it</label>
          <select
            id={`${id}-vis`}
            value={visibility}
            onChange={(e) => setVisibility(e.target.value === 'private' ? 'private' : 'public')}
          >
            <option value="public">Everyone (public)</option>
            <option value="private">Invited people only (private)</option>
          </select>
          <label htmlFor={`${id}-slow`}>Slow mode: seconds between a member’s messages (0: off)</label>
          <input
            id={`${id}-slow`}
            type="number"
            min={0}
            max={SLOW_MODE_MAX_SECONDS}
            value={slow}
            onChange={(e) => setSlow(e.target.value)}
          />
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary">
              Save
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">Only the owner and moderators change this room’s settings.</p>
      )}
      {moderator && bans.length > 0 && (
        <section className="stack">
          <h3>Banned</h3>
          <ul className="plain-list">
            {bans.map((user) => (
              <li key={user.id}>
                {user.username}{' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    void roomAdmin
                      .ban(roomId, user.username, false)
                      .then((failed) => !failed && setBans((b) => b.filter((u) => u.id !== user.id)))
                  }
                >
                  Unban
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {role === 'owner' && (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            Delete room
          </button>
        </div>
      )}
      {confirmDelete && (
        <Modal title={`Delete #${room.name}?`} onClose={() => setConfirmDelete(false)}>
          <p className="muted">Its messages and files are deleted for everyone. This cannot be undone.</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => void roomAdmin.remove(roomId).then((failed) => !failed && onClose())}
            >
              Delete room
            </button>
          </div>
        </Modal>
      )}
    </Modal>
  );
}
