import { useState } from 'react';
import { useAppState, useController } from '../state/use-controller.js';
import { Modal } from './modal.js';

/** The user's settings: read receipts (kept on the server), notifications on this browser. */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const { attention, notifications } = useController();
  const settings = useAppState((s) => s.settings);
  const push = useAppState((s) => s.push);
  const permission = useAppState((s) => s.notifications);
  const [pushProblem, setPushProblem] = useState<string | undefined>(undefined);
  const switchPush = async (on: boolean) => {
    setPushProblem(undefined);
    setPushProblem(await attention.setPush(on));
  };

  return (
    <Modal title="Settings" onClose={onClose}>
      <div className="settings">
        <label className="setting">
          <input
            type="checkbox"
            data-testid="send-receipts"
            checked={settings.sendReadReceipts}
            onChange={(e) => void attention.setSendReadReceipts(e.target.checked)}
          />
          <span>
            Send read receipts
            <span className="muted small block">
              Others in small rooms see how far you have read. Off: nobody learns it.
            </span>
          </span>
        </label>
        {permission !== 'unsupported' && permission !== 'granted' && (
          <button type="button" className="secondary" onClick={() => void notifications.enable()}>
            Turn on desktop notifications
          </button>
        )}
        {push !== 'unsupported' && (
          <label className="setting">
            <input
              type="checkbox"
              data-testid="push-switch"
              checked={push === 'on'}
              onChange={(e) => void switchPush(e.currentTarget.checked)}
            />
            <span>
              Notify me when Parley is closed
              <span className="muted small block">
                Private messages, mentions and calls. The notification says who, never what.
              </span>
            </span>
          </label>
        )}
        {pushProblem && (
          <p className="setting-problem" role="alert" data-testid="push-problem">
            {pushProblem}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
