import type { User } from '@parley/protocol';
import { useStore } from '../state/store.js';
import { useController } from '../state/use-controller.js';
import { DirectIcon, PhoneIcon, VideoIcon } from '../ui/icons.js';

/** Voice call, video call and direct (peer-to-peer) chat with a buddy. */
export function CallButtons({ peer, compact = false }: { peer: User; compact?: boolean }) {
  const { calls } = useController();
  const cls = compact ? 'icon-button call-button' : 'secondary call-button';
  return (
    <span className="call-buttons">
      <button
        type="button"
        className={cls}
        aria-label={`Voice call ${peer.username}`}
        title="Voice call"
        onClick={() => calls.call(peer, 'audio')}
      >
        <PhoneIcon />
      </button>
      <button
        type="button"
        className={cls}
        aria-label={`Video call ${peer.username}`}
        title="Video call"
        onClick={() => calls.call(peer, 'video')}
      >
        <VideoIcon />
      </button>
      <button
        type="button"
        className={cls}
        aria-label={`Direct chat with ${peer.username}`}
        title="Direct: text and files peer to peer, not through the server"
        onClick={() => calls.call(peer, 'none')}
      >
        <DirectIcon />
      </button>
    </span>
  );
}

/** The per-user switch: every call through TURN, so that no buddy learns this browser's address. */
export function RelaySwitch() {
  const { calls } = useController();
  const relayOnly = useStore(calls.store, (s) => s.relayOnly);
  return (
    <label className="relay-switch small muted">
      <input type="checkbox" checked={relayOnly} onChange={(e) => calls.setRelayOnly(e.target.checked)} />
      Relay-only calls (hide my IP address from buddies)
    </label>
  );
}
