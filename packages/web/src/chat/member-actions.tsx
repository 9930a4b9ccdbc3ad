import { useState } from 'react';
import type { Member, RoomRole } from '@parley/protocol';
import { useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

type Action = 'kick' | 'ban' | 'moderator' | 'member' | 'owner';

const words: Record<Action, { label: string; confirm?: string }> = {
  kick: { label: 'Remove from room', confirm: 'They leave the room now and may join again.' },
  ban: { label: 'Ban', confirm: 'They leave the room now and cannot join again until unbanned.' },
  moderator: { label: 'Make moderator' },
  member: { label: 'Make member' },
  owner: { label: 'Hand over ownership', confirm: 'They become the owner; you become a moderator.' },
};

/** Issue 15: what a moderator (or the owner) may do to a member, from the member list. */
export function MemberActions({
  roomId,
  member,
  myRole,
}: {
  roomId: string;
  member: Member;
  myRole: RoomRole | undefined;
}) {
  const { roomAdmin } = useController();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState<Action | undefined>();
  const outranks = myRole === 'owner' || (myRole === 'moderator' && member.role === 'member');
  if (!outranks) return null;
  const actions: Action[] = ['kick', 'ban'];
  if (myRole === 'owner') actions.push(member.role === 'moderator' ? 'member' : 'moderator', 'owner');

  async function run(action: Action) {
    setConfirming(undefined);
    setOpen(false);
    if (action === 'kick') await roomAdmin.kick(roomId, member.username);
    else if (action === 'ban') await roomAdmin.ban(roomId, member.username, true);
    else await roomAdmin.setRole(roomId, member.username, action);
  }

  return (
    <span className="member-actions">
      <button
        type="button"
        className="icon-button"
        aria-label={`Actions for ${member.username}`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        ⋯
      </button>
      {open && (
        <span className="menu" role="menu">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              role="menuitem"
              className={action === 'ban' || action === 'kick' ? 'danger-text' : ''}
              onClick={() => (words[action].confirm ? setConfirming(action) : void run(action))}
            >
              {words[action].label}
            </button>
          ))}
        </span>
      )}
      {confirming && (
        <Modal title={`${words[confirming].label}: ${member.username}?`} onClose={() => setConfirming(undefined)}>
          <p className="muted">{words[confirming].confirm}</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void run(confirming)}>
              {words[confirming].label}
            </button>
          </div>
        </Modal>
      )}
    </span>
  );
}
