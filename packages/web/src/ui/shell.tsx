import { useCallback, useEffect, useState } from 'react';
import { ChatView } from '../chat/chat-view.js';
import { DmView } from '../dms/dm-view.js';
import { Sidebar } from '../rooms/sidebar.js';
import { useAppState } from '../state/use-controller.js';
import { ConnectionBanner } from './connection-banner.js';
import { MenuIcon } from './icons.js';

/**
 * Three columns on a wide screen (rooms | chat | members); below 768 px the rooms and
 * members become drawers over the chat, opened from its header.
 */
export function Shell() {
  const [drawer, setDrawer] = useState<'rooms' | 'members' | undefined>();
  const active = useAppState((s) => s.activeRoomId);
  const activeDm = useAppState((s) => s.activeDm);
  const blocked = useAppState((s) => s.blocked);
  const close = useCallback(() => setDrawer(undefined), []);

  useEffect(() => {
    // A private conversation opened from the member drawer takes the whole screen.
    if (activeDm) setDrawer(undefined);
  }, [activeDm]);

  useEffect(() => {
    if (!drawer) return undefined;
    // Move keyboard focus into the drawer that just opened; the page behind it is under a scrim.
    const target =
      drawer === 'rooms'
        ? (document.querySelector<HTMLElement>('.shell-rooms [aria-current="page"]') ??
          document.querySelector<HTMLElement>('.shell-rooms button'))
        : document.querySelector<HTMLElement>('.members-close');
    target?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setDrawer(undefined);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [drawer]);

  return (
    <div className={`shell${drawer ? ` shell-drawer-${drawer}` : ''}`}>
      <ConnectionBanner />
      <div className="shell-body">
        <div className="shell-rooms">
          <Sidebar onNavigate={close} />
        </div>
        {drawer && <div className="scrim" aria-hidden="true" onClick={close} />}
        <main className="shell-main">
          {activeDm ? (
            <DmView key={`dm:${activeDm}`} threadKey={activeDm} onOpenRooms={() => setDrawer('rooms')} />
          ) : blocked ? (
            <div className="empty" data-testid="blocked-room">
              <h1>You cannot see this room</h1>
              <p className="muted">{blocked.reason}</p>
            </div>
          ) : active ? (
            <ChatView
              key={active}
              roomId={active}
              membersOpen={drawer === 'members'}
              onOpenRooms={() => setDrawer('rooms')}
              onToggleMembers={() => setDrawer((d) => (d === 'members' ? undefined : 'members'))}
            />
          ) : (
            <EmptyState onOpenRooms={() => setDrawer('rooms')} />
          )}
        </main>
      </div>
    </div>
  );
}

function EmptyState({ onOpenRooms }: { onOpenRooms: () => void }) {
  return (
    <div className="empty">
      <button type="button" className="icon-button menu-button" aria-label="Open rooms" onClick={onOpenRooms}>
        <MenuIcon />
      </button>
      <h1>No room open</h1>
      <p className="muted">Browse the rooms on this server or create one from the sidebar.</p>
    </div>
  );
}
