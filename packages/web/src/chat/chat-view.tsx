import { useEffect, useReducer, useState } from 'react';
import { compose, idle, lastEditable, type ComposeMode } from '../state/message-changes.js';
import { ComposeContext } from './compose-context.js';
import { InviteDialog } from '../rooms/invite-dialog.js';
import { RoomSettingsDialog } from '../rooms/room-settings-dialog.js';
import { mayModerate, myRole } from '../state/room-admin.js';
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
  const { rooms, chat, changes, attention } = useController();
  const view = useAppState((s) => s.rooms[roomId]);
  const me = useAppState((s) => s.me);
  const searching = useAppState((s) => s.search !== undefined);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [mode, dispatch] = useReducer(compose, idle);
  const [fill, setFill] = useState<{ key: number; text: string } | undefined>(undefined);
  const messages = view?.messages;
  useEffect(() => {
    if (messages) dispatch({ type: 'changed', messages });
  }, [messages]);
  useEffect(() => {
    // Editing puts the message's text in the field; leaving edit mode clears it.
    if (mode.kind === 'edit') setFill((f) => ({ key: (f?.key ?? 0) + 1, text: mode.original }));
    else setFill((f) => (f && f.text !== '' ? { key: f.key + 1, text: '' } : f));
  }, [mode]);
  useEffect(() => dispatch({ type: 'cancel' }), [roomId]);
  const [dialog, setDialog] = useState<'settings' | 'invite' | undefined>();
  const role = useAppState((s) => myRole(s, roomId));
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
          {room.visibility === 'private' && (
            <span className="private-badge" title="Private: invited people only">
              private
            </span>
          )}
          {(room.visibility === 'public' || mayModerate(role)) && (
            <button type="button" className="secondary invite-button" onClick={() => setDialog('invite')}>
              Invite
            </button>
          )}
          <button
            type="button"
            className="secondary settings-button"
            aria-label="Room settings"
            title="Room settings"
            onClick={() => setDialog('settings')}
          >
            <span aria-hidden="true">⚙</span>
          </button>
          {dialog === 'settings' && (
            <RoomSettingsDialog
              roomId={roomId}
              onClose={() => setDialog(undefined)}
              onInvite={room.visibility === 'public' || mayModerate(role) ? () => setDialog('invite') : undefined}
            />
          )}
          {dialog === 'invite' && (
            <InviteDialog roomId={roomId} roomName={room.name} onClose={() => setDialog(undefined)} />
          )}
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
        <ComposeContext.Provider value={dispatch}>
          <MessageList roomId={roomId} />
        </ComposeContext.Provider>
        <Composer
          draftKey={roomId}
          label={`Message #${room.name}`}
          allowFiles
          onTyping={() => attention.typing(roomId)}
          banner={<ComposeBanner mode={mode} onCancel={() => dispatch({ type: 'cancel' })} />}
          fill={fill}
          submitLabel={mode.kind === 'edit' ? 'Save' : undefined}
          onUpWhenEmpty={() => {
            const last = lastEditable(view.messages, me?.id);
            if (last) dispatch({ type: 'edit', message: last });
          }}
          onEscape={mode.kind === 'new' ? undefined : () => dispatch({ type: 'cancel' })}
          onSend={(body, files) => {
            if (mode.kind === 'edit') {
              if (body.trim() !== mode.original.trim()) void changes.edit(mode.messageId, body);
            } else chat.send(roomId, body, files, mode.kind === 'reply' ? mode.to.id : undefined);
            dispatch({ type: 'sent' });
          }}
        />
      </section>
      <MemberList roomId={roomId} onClose={onToggleMembers} />
    </div>
  );
}

function ComposeBanner({ mode, onCancel }: { mode: ComposeMode; onCancel: () => void }) {
  if (mode.kind === 'new') return null;
  return (
    <div className="compose-banner" data-testid="compose-banner">
      {mode.kind === 'reply' ? (
        <span>
          Replying to <strong>{mode.to.sender.username}</strong>: <span className="muted">{mode.to.excerpt}</span>
        </span>
      ) : (
        <span>Editing your message</span>
      )}
      <button type="button" className="link-button" onClick={onCancel}>
        Cancel <span className="muted small">(Esc)</span>
      </button>
    </div>
  );
}
