/** One entry of the sidebar's lists (a room, a private chat): its name, whether it is open, unread count. */
export function ConversationLink(props: {
  sigil: '#' | '@';
  name: string;
  active: boolean;
  unread: number;
  /** Unread messages that name us: shown as an @ badge. */
  mentions?: number;
  onOpen: () => void;
}) {
  const { sigil, name, active, unread, onOpen } = props;
  const mentions = props.mentions ?? 0;
  return (
    <button
      type="button"
      className={`room-link${active ? ' room-link-active' : ''}${unread > 0 ? ' room-link-unread' : ''}`}
      aria-current={active ? 'page' : undefined}
      onClick={onOpen}
    >
      <span className="room-hash" aria-hidden="true">
        {sigil}
      </span>
      <span className="room-name">{name}</span>
      {mentions > 0 && (
        <>
          <span className="badge badge-mention" data-testid="mentions" aria-hidden="true">
            @{mentions > 99 ? '99+' : mentions}
          </span>
          <span className="visually-hidden">, {mentions} mentioning you</span>
        </>
      )}
      {unread > 0 && (
        <>
          <span className="badge" data-testid="unread" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
          <span className="visually-hidden">, {unread} unread</span>
        </>
      )}
    </button>
  );
}
