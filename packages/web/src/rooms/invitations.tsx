import { useAppState, useController } from '../state/use-controller.js';

/** Issue 15: invitations to rooms, shown to the invitee, who joins from here. */
export function Invitations({ onNavigate }: { onNavigate: () => void }) {
  const { rooms, roomAdmin } = useController();
  const invitations = useAppState((s) => s.invitations);
  if (invitations.length === 0) return null;
  return (
    <section aria-labelledby="invitations-title" className="invitations">
      <h2 className="sidebar-title" id="invitations-title">
        Invitations
      </h2>
      <ul className="plain-list">
        {invitations.map(({ room, by }) => (
          <li key={room.id} className="invitation" data-testid="invitation">
            <span>
              <strong>#{room.name}</strong> <span className="muted small">from {by.username}</span>
            </span>
            <span className="invitation-actions">
              <button
                type="button"
                className="primary small"
                onClick={() =>
                  void rooms.openOrJoin(room.id).then((refused) => {
                    if (refused) roomAdmin.onDeclined({ roomId: room.id });
                    onNavigate();
                  })
                }
              >
                Join
              </button>
              <button type="button" className="link-button" onClick={() => void roomAdmin.declineInvitation(room.id)}>
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
