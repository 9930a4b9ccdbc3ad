import { useEffect, useState, type FormEvent } from 'react';
import type { User } from '@parley/protocol';
import type { BuddyEntry } from '../state/app-state.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Avatar } from '../ui/avatar.js';
import { Modal } from '../ui/modal.js';
import { formatLastSeen, PresenceDot, statusWord } from './presence-dot.js';
import { CallButtons, RelaySwitch } from '../calls/call-buttons.js';

/** Buddies in the sidebar: requests to answer, the list with presence, add-by-username, notifications. */
export function BuddyPanel({ onNavigate }: { onNavigate: () => void }) {
  const { buddies } = useController();
  const { list, incoming, outgoing, loaded } = useAppState((s) => s.buddies);
  const [removing, setRemoving] = useState<User | undefined>();
  const now = useMinuteClock();

  return (
    <section className="buddy-panel" aria-labelledby="buddies-title" data-testid="buddy-panel">
      <h2 className="sidebar-title" id="buddies-title">
        Buddies
        {incoming.length > 0 && (
          <span className="badge" aria-label={`${incoming.length} buddy request${incoming.length === 1 ? '' : 's'}`}>
            {incoming.length}
          </span>
        )}
      </h2>
      {incoming.length > 0 && (
        <ul className="buddy-requests" aria-label="Buddy requests">
          {incoming.map((user) => (
            <li key={user.id} className="buddy-request">
              <span className="buddy-request-text">
                <strong>{user.username}</strong> wants to be your buddy
              </span>
              <span className="buddy-request-actions">
                <button type="button" className="primary small-button" onClick={() => void buddies.respond(user, true)}>
                  Accept<span className="visually-hidden"> {user.username}</span>
                </button>
                <button
                  type="button"
                  className="secondary small-button"
                  onClick={() => void buddies.respond(user, false)}
                >
                  Decline<span className="visually-hidden"> {user.username}</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <ul className="buddy-list" aria-label="Your buddies">
        {loaded && list.length === 0 && outgoing.length === 0 && (
          <li className="muted small pad">No buddies yet. Add someone by their username.</li>
        )}
        {list.map((entry) => (
          <BuddyRow
            key={entry.user.id}
            entry={entry}
            now={now}
            onOpen={() => {
              buddies.openDm(entry.user);
              onNavigate();
            }}
            onRemove={() => setRemoving(entry.user)}
          />
        ))}
        {outgoing.map((user) => (
          <li key={user.id} className="buddy buddy-waiting">
            <span className="buddy-main">
              <Avatar name={user.username} size={24} />
              <span className="buddy-text">
                <span className="buddy-name">{user.username}</span>
                <span className="muted small">request sent</span>
              </span>
            </span>
            <button
              type="button"
              className="icon-button"
              aria-label={`Cancel the request to ${user.username}`}
              title="Cancel request"
              onClick={() => void buddies.remove(user)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <AddBuddy />
      <NotificationsSwitch />
      <RelaySwitch />
      {removing && (
        <Modal title={`Remove ${removing.username}?`} onClose={() => setRemoving(undefined)}>
          <p className="muted">You stop seeing each other&apos;s status. You can ask again later.</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setRemoving(undefined)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                void buddies.remove(removing);
                setRemoving(undefined);
              }}
            >
              Remove buddy
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}

function BuddyRow(props: { entry: BuddyEntry; now: number; onOpen: () => void; onRemove: () => void }) {
  const { user, status, lastSeenAt } = props.entry;
  const detail =
    status === 'offline' ? (lastSeenAt ? formatLastSeen(lastSeenAt, props.now) : 'offline') : statusWord(status);
  return (
    <li className={`buddy buddy-${status}`} data-testid="buddy" data-status={status}>
      <button type="button" className="buddy-main" onClick={props.onOpen} title={`Private chat with ${user.username}`}>
        <span className="avatar-wrap">
          <Avatar name={user.username} size={24} />
          <PresenceDot status={status} />
        </span>
        <span className="buddy-text">
          <span className="buddy-name">{user.username}</span>
          <span className="muted small" data-testid="buddy-detail">
            {detail}
          </span>
        </span>
      </button>
      <CallButtons peer={user} compact />
      <button
        type="button"
        className="icon-button buddy-remove"
        aria-label={`Remove ${user.username} from buddies`}
        title="Remove buddy"
        onClick={props.onRemove}
      >
        ×
      </button>
    </li>
  );
}

function AddBuddy() {
  const { buddies } = useController();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const username = name.trim();
    if (!username || busy) return;
    setBusy(true);
    const problem = await buddies.request(username);
    setBusy(false);
    setError(problem);
    if (!problem) setName('');
  }

  return (
    <form className="add-buddy" onSubmit={(e) => void submit(e)}>
      <label className="visually-hidden" htmlFor="add-buddy-input">
        Add a buddy by username
      </label>
      <input
        id="add-buddy-input"
        placeholder="Add by username"
        value={name}
        autoComplete="off"
        spellCheck={false}
        maxLength={32}
        onChange={(e) => {
          setName(e.target.value);
          setError(undefined);
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'add-buddy-error' : undefined}
      />
      <button type="submit" className="secondary" disabled={busy || name.trim() === ''}>
        Add
      </button>
      {error && (
        <p id="add-buddy-error" className="form-error small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Asks for permission only when clicked: never on load. */
function NotificationsSwitch() {
  const { notifications } = useController();
  const state = useAppState((s) => s.notifications);
  if (state === 'default') {
    return (
      <button type="button" className="link-button notify-button" onClick={() => void notifications.enable()}>
        Turn on desktop notifications
      </button>
    );
  }
  if (state === 'denied') {
    return <p className="hint pad">Desktop notifications are blocked in this browser&apos;s site settings.</p>;
  }
  return null;
}

/** The time, refreshed every minute: "last seen 5 min ago" must not stand still. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
