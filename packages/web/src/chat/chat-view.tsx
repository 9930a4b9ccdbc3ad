import { useState } from 'react';
import { useAppState, useController } from '../state/use-controller.js';
import { MenuIcon, PeopleIcon, SearchIcon } from '../ui/icons.js';
import { Modal } from '../ui/modal.js';
import { Composer } from './composer.js';
import { MemberList } from './member-list.js';
import { MessageList } from './message-list.js';
import { SearchPanel } from './search-panel.js';

interface Props {
  roomId: string;
  membersOpen: boolean;
  onOpenRooms: () => void;
  onToggleMembers: () => void;
}

export function ChatView({ roomId, membersOpen, onOpenRooms, onToggleMembers }: Props) {
  const { rooms, chat, attention } = useController();
  const view = useAppState((s) => s.rooms[roomId]);
  const searching = useAppState((s) => s.search !== undefined);
  const [confirmLeave, setConfirmLeave] = useState(false);
  if (!view) return null;
  const { room } = view;

  return (
    <div className={`chat${membersOpen ? ' chat-members-open' : ''}`}>
      <section className="chat-main" aria-label={`Room ${room.name}`}>
        <header className="chat-head">
          <button type="button" className="icon-button menu-button" aria-label="Open rooms" onClick={onOpenRooms}>
            <MenuIcon />
          </button>
          <div className="chat-title">
            <h1>
              <span aria-hidden="true" className="room-hash">
                #
              </span>
              {room.name}
            </h1>
            {room.topic && <p className="topic">{room.topic}</p>}
          </div>
          <button
            type="button"
            className="secondary search-button"
            aria-label="Search messages"
            aria-expanded={searching}
            onClick={() => (searching ? attention.closeSearch() : attention.openSearch(roomId))}
          >
            <SearchIcon />
          </button>
          <button
            type="button"
            className="secondary members-button"
            aria-expanded={membersOpen}
            aria-controls="member-panel"
            onClick={onToggleMembers}
          >
            <PeopleIcon /> {view.members.length}
            <span className="visually-hidden"> members</span>
          </button>
          <button type="button" className="secondary" onClick={() => setConfirmLeave(true)}>
            Leave
          </button>
          {confirmLeave && (
            <Modal title={`Leave #${room.name}?`} onClose={() => setConfirmLeave(false)}>
              <p className="muted">You can join again later from Browse rooms, if there is space.</p>
              <div className="actions">
                <button type="button" className="secondary" onClick={() => setConfirmLeave(false)}>
                  Cancel
                </button>
                <button type="button" className="danger" onClick={() => void rooms.leave(roomId)}>
                  Leave room
                </button>
              </div>
            </Modal>
          )}
        </header>
        {searching && <SearchPanel roomId={roomId} />}
        <MessageList roomId={roomId} />
        <Composer
          draftKey={roomId}
          label={`Message #${room.name}`}
          onSend={(body) => chat.send(roomId, body)}
          onTyping={() => attention.typing(roomId)}
        />
      </section>
      <MemberList roomId={roomId} onClose={onToggleMembers} />
    </div>
  );
}
