import type { User } from '@parley/protocol';
import { useStore } from '../state/store.js';
import { useController } from '../state/use-controller.js';

const icon = {
  width: 16,
  height: 16,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  'aria-hidden': true,
} as const;

export function PhoneIcon() {
  return (
    <svg {...icon}>
      <path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z" />
    </svg>
  );
}

export function VideoIcon() {
  return (
    <svg {...icon}>
      <path d="M23 7l-7 5 7 5V7z" />
      <rect x="1" y="5" width="15" height="14" rx="2" />
    </svg>
  );
}

export function DirectIcon() {
  return (
    <svg {...icon}>
      <path d="M4 12h16M14 6l6 6-6 6" />
    </svg>
  );
}

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
