import { useId, useState, type FormEvent } from 'react';
import { USERNAME_PATTERN } from '@parley/protocol';
import { useController } from '../state/use-controller.js';
import { Modal } from '../ui/modal.js';

/** Issue 15: invite someone by username; they see the invitation and join from it. */
export function InviteDialog({ roomId, roomName, onClose }: { roomId: string; roomName: string; onClose: () => void }) {
  const { roomAdmin } = useController();
  const id = useId();
  const [username, setUsername] = useState('');
  const [error, setError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = username.trim();
    if (!USERNAME_PATTERN.test(name)) return setError('Enter a username.');
    const failure = await roomAdmin.invite(roomId, name);
    if (failure) setError(failure === 'That room no longer exists' ? 'No such user' : failure);
    else onClose();
  }

  return (
    <Modal title={`Invite to #${roomName}`} onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={`${id}-user`}>Username</label>
        <input id={`${id}-user`} value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary">
            Invite
          </button>
        </div>
      </form>
    </Modal>
  );
}
