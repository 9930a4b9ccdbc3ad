import { ConversationLink } from '../ui/conversation-link.js';
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
          // Undecryptable messages count too: they must never arrive unnoticed.
          const unread = thread.unread + thread.undecryptable;
          return (
            <li key={key}>
              <ConversationLink
                sigil="@"
                name={thread.peer.username}
                active={key === active}
                unread={unread}
                onOpen={() => {
                  dms.open(thread.peer);
                  onNavigate();
                }}
              />
            </li>
          );
        })}
      </ul>
    </>
  );
}
