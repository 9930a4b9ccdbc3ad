import { useEffect, useState } from 'react';
import type { SessionInfo } from '@parley/protocol';
import { endSession, listSessions } from '@parley/sdk';
import { Modal } from '../ui/modal.js';
import { formatDateTime } from './format.js';
import { deviceName, orderSessions, withoutSession } from './sessions.js';

/** Settings → Sessions: where the user is signed in, and a button to end each other session. */
export function SessionsDialog(props: { onClose: () => void; baseUrl?: string }) {
  const baseUrl = props.baseUrl ?? window.location.origin;
  const [sessions, setSessions] = useState<SessionInfo[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    listSessions(baseUrl).then(
      (list) => live && setSessions(orderSessions(list)),
      () => live && setError('Could not load your sessions. Try again.'),
    );
    return () => {
      live = false;
    };
  }, [baseUrl]);

  async function end(id: string) {
    try {
      await endSession(baseUrl, id);
      setSessions((list) => list && withoutSession(list, id));
    } catch {
      setError('Could not end that session. Try again.');
    }
  }

  return (
    <Modal title="Sessions" onClose={props.onClose}>
      <p className="hint">Where your account is signed in. Ending a session signs that device out at once.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!sessions && !error && <p className="hint">Loading…</p>}
      {sessions && (
        <ul className="session-list" aria-label="Your sessions">
          {sessions.map((session) => (
            <li key={session.id} className="session-item">
              <div className="session-main">
                <strong title={session.device}>{deviceName(session.device)}</strong>
                {session.current && <span className="session-current"> · this device</span>}
                <div className="hint">
                  {session.address || 'unknown address'} · signed in {formatDateTime(session.createdAt)} · last seen{' '}
                  {formatDateTime(session.lastSeenAt)}
                </div>
              </div>
              {!session.current && (
                <button
                  type="button"
                  className="secondary"
                  aria-label={`End session on ${deviceName(session.device)}`}
                  onClick={() => void end(session.id)}
                >
                  End
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
