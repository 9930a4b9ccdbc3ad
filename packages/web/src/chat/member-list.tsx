import { PresenceDot, statusWord } from '../buddies/presence-dot.js';
import { buddyStatus } from '../state/buddies-actions.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Avatar } from '../ui/avatar.js';
import { mayModerate, myRole, sortMembers } from '../state/room-admin.js';
import { MemberActions } from './member-actions.js';

/**
 * Members of the room. The server tells a user's presence only to their buddies, so a dot
 * shows for you and your buddies and for nobody else (the heading's tooltip says so): a
 * missing dot means "not shared with you", never "offline".
 * A name opens a private conversation with that member.
 */
export function MemberList({ roomId, onClose }: { roomId: string; onClose: () => void }) {
  const { dms } = useController();
  const mine = useAppState((s) => myRole(s, roomId));
  const members = useAppState((s) => s.rooms[roomId]?.members);
  const me = useAppState((s) => s.me);
  const connection = useAppState((s) => s.connection);
  const buddies = useAppState((s) => s.buddies);
  // Issue 15: owner, then moderators, then members.
  const sorted = sortMembers(members ?? []);
  return (
    <aside className="members" id="member-panel" aria-labelledby="members-title">
      <div className="members-head">
        <h2 id="members-title" title="Online status is shown for you and your buddies only">
          Members · {sorted.length}
        </h2>
        <button type="button" className="icon-button members-close" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </div>
      <ul className="member-list">
        {sorted.map((user) => {
          const isMe = user.id === me?.id;
          const status = isMe ? (connection === 'lost' ? undefined : 'online') : buddyStatus(buddies, user.id);
          return (
            <li key={user.id} className="member" data-testid="member" data-status={status} data-role={user.role}>
              <span className="avatar-wrap">
                <Avatar name={user.username} size={28} />
                {status && <PresenceDot status={status} />}
              </span>
              {isMe ? (
                <span className="member-name">{user.username}</span>
              ) : (
                <button
                  type="button"
                  className="member-name member-link"
                  title={`Private chat with ${user.username}`}
                  aria-label={`${user.username}: private chat`}
                  onClick={() => dms.open(user)}
                >
                  {user.username}
                </button>
              )}
              {isMe && <span className="muted small">you</span>}
              {user.role !== 'member' && <span className={`role-badge role-${user.role}`}>{user.role}</span>}
              {!isMe && mayModerate(mine) && <MemberActions roomId={roomId} member={user} myRole={mine} />}
              {status && <span className="visually-hidden">{statusWord(status)}</span>}
            </li>
          );
        })}
      </ul>
      <p className="hint pad">Status is shown for you and your buddies only.</p>
    </aside>
  );
}
