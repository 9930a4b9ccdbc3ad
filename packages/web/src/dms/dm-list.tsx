import { useAppState, useController } from '../state/use-controller.js';

/** Open private conversations in the sidebar, with unread counts. Hidden when there are none. */
export function DmList({ onNavigate }: { onNavigate: () => void }) {
  const { dms } = useController();
  const threads = useAppState((s) => s.dms);
  const active = useAppState((s) => s.activeDm);
  const keys = Object.keys(threads).sort();
  if (keys.length === 0) return null;
  return (
    <>
      <h2 className="sidebar-title" id="private-chats">
        Private chats
      </h2>
      <ul className="room-list" aria-labelledby="private-chats">
        {keys.map((key) => {
          const thread = threads[key];
          if (!thread) return null;
          const { unread } = thread;
          return (
            <li key={key}>
              <button
                type="button"
                className={`room-link${key === active ? ' room-link-active' : ''}${unread > 0 ? ' room-link-unread' : ''}`}
                aria-current={key === active ? 'page' : undefined}
                onClick={() => {
                  dms.open(thread.peer);
                  onNavigate();
                }}
              >
                <span className="room-hash" aria-hidden="true">
                  @
                </span>
                <span className="room-name">{thread.peer.username}</span>
                {unread > 0 && (
                  <>
                    <span className="badge" data-testid="unread" aria-hidden="true">
                      {unread > 99 ? '99+' : unread}
                    </span>
                    <span className="visually-hidden">, {unread} unread</span>
                  </>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
}
