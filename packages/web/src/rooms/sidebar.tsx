import { ConversationLink } from '../ui/conversation-link.js';
import { useState } from 'react';
import { BuddyPanel } from '../buddies/buddy-panel.js';
import { clearDrafts } from '../chat/composer.js';
import { DmList } from '../dms/dm-list.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Avatar } from '../ui/avatar.js';
import { SettingsDialog } from '../ui/settings-dialog.js';
import { BrowseRoomsDialog } from './browse-rooms-dialog.js';
import { CreateRoomDialog } from './create-room-dialog.js';
import { Invitations } from './invitations.js';
import { SessionsDialog } from '../settings/sessions-dialog.js';

export function Sidebar({ onNavigate }: { onNavigate: () => void }) {
  const controller = useController();
  const me = useAppState((s) => s.me);
  const order = useAppState((s) => s.roomOrder);
  const rooms = useAppState((s) => s.rooms);
  // A private conversation covers the room: no room is the current page then.
  const active = useAppState((s) => (s.activeDm ? undefined : s.activeRoomId));
  const muted = useAppState((s) => s.roomPrefs);
  const [dialog, setDialog] = useState<'browse' | 'create' | 'settings' | 'sessions' | undefined>();

  return (
    <nav className="sidebar" aria-label="Rooms">
      <div className="sidebar-head">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Parley
        </span>
      </div>
      <div className="sidebar-actions">
        <button type="button" className="secondary" onClick={() => setDialog('browse')}>
          Browse rooms
        </button>
        <button type="button" className="secondary" onClick={() => setDialog('create')}>
          New room
        </button>
      </div>
      <div className="sidebar-scroll">
        <Invitations onNavigate={onNavigate} />
        <h2 className="sidebar-title" id="your-rooms">
          Your rooms
        </h2>
        <ul className="room-list" aria-labelledby="your-rooms">
          {order.length === 0 && <li className="muted small pad">You have not joined a room yet.</li>}
          {order.map((id) => {
            const view = rooms[id];
            if (!view) return null;
            const unread = view.unread;
            return (
              <li key={id}>
                <ConversationLink
                  sigil="#"
                  name={view.room.name}
                  active={id === active}
                  unread={muted[id]?.muted ? 0 : unread}
                  mentions={view.mentions}
                  onOpen={() => {
                    controller.rooms.open(id);
                    onNavigate();
                  }}
                />
              </li>
            );
          })}
        </ul>
        <DmList onNavigate={onNavigate} />
        <BuddyPanel onNavigate={onNavigate} />
      </div>
      {me && (
        <div className="sidebar-foot">
          <Avatar name={me.username} size={28} />
          <span className="me-name" title={me.username}>
            {me.username}
          </span>
          <button type="button" className="link-button" onClick={() => setDialog('settings')}>
            Settings
          </button>
          <button type="button" className="link-button" onClick={() => setDialog('sessions')}>
            Sessions
          </button>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              clearDrafts();
              void controller.signOut();
            }}
          >
            Sign out
          </button>
        </div>
      )}
      {dialog === 'browse' && <BrowseRoomsDialog onClose={() => setDialog(undefined)} />}
      {dialog === 'create' && <CreateRoomDialog onClose={() => setDialog(undefined)} />}
      {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(undefined)} />}
      {dialog === 'sessions' && <SessionsDialog onClose={() => setDialog(undefined)} />}
    </nav>
  );
}
