import { useAppState } from '../state/use-controller.js';
import { Avatar } from '../ui/avatar.js';

/**
 * Members of the room. Only the signed-in user is marked online: the server has no presence
 * for room members yet (issue 5), and a guess would mislead.
 */
export function MemberList({ roomId, onClose }: { roomId: string; onClose: () => void }) {
  const members = useAppState((s) => s.rooms[roomId]?.members);
  const me = useAppState((s) => s.me);
  const connection = useAppState((s) => s.connection);
  const sorted = [...(members ?? [])].sort((a, b) =>
    a.id === me?.id ? -1 : b.id === me?.id ? 1 : a.username.localeCompare(b.username),
  );
  return (
    <aside className="members" id="member-panel" aria-labelledby="members-title">
      <div className="members-head">
        <h2 id="members-title">Members · {sorted.length}</h2>
        <button type="button" className="icon-button members-close" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </div>
      <ul className="member-list">
        {sorted.map((user) => {
          const online = user.id === me?.id && connection !== 'lost';
          return (
            <li key={user.id} className="member">
              <span className="avatar-wrap">
                <Avatar name={user.username} size={28} />
                {online && <span className="online-dot" title="Online" />}
              </span>
              <span className="member-name">{user.username}</span>
              {user.id === me?.id && <span className="muted small">you</span>}
              {online && <span className="visually-hidden">online</span>}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
