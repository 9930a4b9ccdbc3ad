import { useContext, useState } from 'react';
import type { Message } from '@parley/protocol';
import { mayModerate, myRole } from '../state/room-admin.js';
import { useAppState, useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';
import { ComposeContext } from './compose-context.js';
import { EmojiPicker } from './message-extras.js';

/**
 * A message's actions: reply, react, edit (own messages), delete (own, or any for the room's
 * owner and moderators, issue 15), copy link. Shown on hover
 * and keyboard focus, and on a long press on touch screens (the item sets `open`).
 */
export function MessageMenu(props: { message: Message; mine: boolean; open: boolean; onClose: () => void }) {
  const { message, mine } = props;
  const { changes } = useController();
  const composeEvent = useContext(ComposeContext);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const moderator = useAppState((s) => mayModerate(myRole(s, message.roomId)));
  if (message.deletedAt) return null;
  return (
    <>
      <div
        className={`message-menu${props.open || picking ? ' message-menu-open' : ''}`}
        role="toolbar"
        aria-label="Message actions"
      >
        <button type="button" className="menu-action" onClick={() => composeEvent?.({ type: 'reply', message })}>
          Reply
        </button>
        <button type="button" className="menu-action" aria-expanded={picking} onClick={() => setPicking((p) => !p)}>
          React
        </button>
        {mine && (
          <button type="button" className="menu-action" onClick={() => composeEvent?.({ type: 'edit', message })}>
            Edit
          </button>
        )}
        {(mine || moderator) && (
          <button type="button" className="menu-action danger-text" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        <button type="button" className="menu-action" onClick={() => void changes.copyLink(message)}>
          Copy link
        </button>
        {picking && (
          <EmojiPicker
            onPick={(emoji) => void changes.react(message, emoji)}
            onClose={() => {
              setPicking(false);
              props.onClose();
            }}
          />
        )}
      </div>
      {confirming && (
        <Modal title="Delete this message?" onClose={() => setConfirming(false)}>
          <p className="muted">
            It is removed for everyone, and its text is erased from the server. This cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirming(false);
                props.onClose();
                void changes.remove(message.id);
              }}
            >
              Delete
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
