import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useStore } from '../state/store.js';
import { useController } from '../state/use-controller.js';
import { endedText, formatDuration, type CallView, type DirectItem, type RingingCall } from './call-state.js';

/** Everything calls put on screen: incoming calls, the call itself, the last missed call. */
export function CallLayer() {
  const { calls } = useController();
  const ringing = useStore(calls.store, (s) => s.ringing);
  const active = useStore(calls.store, (s) => s.active);
  const notice = useStore(calls.store, (s) => s.notice);
  return (
    <>
      {ringing.length > 0 && (
        <div className="incoming-calls">
          {ringing.map((r) => (
            <IncomingCall key={r.callId} call={r} />
          ))}
        </div>
      )}
      {active && <CallScreen call={active} />}
      {notice && !active && (
        <div className="call-notice" role="status" data-testid="call-notice">
          {notice.text}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => calls.dismissNotice()}>
            ×
          </button>
        </div>
      )}
    </>
  );
}

function IncomingCall({ call }: { call: RingingCall }) {
  const { calls } = useController();
  const what =
    call.media === 'video' ? 'video call' : call.media === 'none' ? 'direct chat (peer to peer)' : 'voice call';
  return (
    <div
      className="incoming-call"
      role="alertdialog"
      aria-label={`Incoming call from ${call.peer.username}`}
      data-testid="incoming-call"
    >
      <p>
        <strong>{call.peer.username}</strong>
        <span className="muted small"> — incoming {what}</span>
      </p>
      <div className="incoming-actions">
        <button type="button" className="primary" onClick={() => calls.accept(call.callId)}>
          Accept
        </button>
        <button type="button" className="danger" onClick={() => calls.decline(call.callId)}>
          Decline
        </button>
      </div>
    </div>
  );
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function phaseText(call: CallView): string {
  switch (call.phase) {
    case 'ringing':
      return `Ringing ${call.peer.username}…`;
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return 'Connected';
    case 'reconnecting':
      return 'Reconnecting…';
    default:
      return endedText(call);
  }
}

function routeText(route: string | undefined): string | undefined {
  if (!route) return undefined;
  return route === 'relay' ? 'relayed through TURN' : 'direct between the two of you';
}

/** Attaches the live streams (not state: DOM objects) to the video and audio elements. */
function useStreams() {
  const { calls } = useController();
  const [, setVersion] = useState(0);
  useEffect(() => calls.onMediaChange(() => setVersion((v) => v + 1)), [calls]);
  return calls.media();
}

function CallScreen({ call }: { call: CallView }) {
  const { calls } = useController();
  const { local, remote } = useStreams();
  const remoteRef = useRef<HTMLVideoElement>(null);
  const localRef = useRef<HTMLVideoElement>(null);
  const now = useNow(call.phase === 'connected' || call.phase === 'reconnecting');
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const ended = call.phase === 'ended';

  useEffect(() => {
    if (remoteRef.current && remoteRef.current.srcObject !== (remote ?? null))
      remoteRef.current.srcObject = remote ?? null;
    if (localRef.current && localRef.current.srcObject !== (local ?? null)) localRef.current.srcObject = local ?? null;
  });
  useEffect(() => {
    if (call.media === 'none' || ended) return;
    void navigator.mediaDevices
      ?.enumerateDevices()
      .then(setDevices)
      .catch(() => undefined);
  }, [call.media, ended, local]);

  const duration = call.connectedAt && !ended ? formatDuration(now - call.connectedAt) : undefined;
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const cams = devices.filter((d) => d.kind === 'videoinput');
  const route = routeText(call.route);
  const hasVideo = call.media === 'video';

  return (
    <section
      className={`call-screen${call.media === 'none' ? ' call-direct-only' : ''}`}
      aria-label={`Call with ${call.peer.username}`}
      data-testid="call-screen"
      data-phase={call.phase}
      data-call-id={call.callId}
      data-route={call.route ?? ''}
      data-frames-decoded={call.framesDecoded}
      data-ended-reason={call.endedReason ?? ''}
    >
      <header className="call-head">
        <div>
          <h2>{call.peer.username}</h2>
          <p className="call-state" data-testid="call-state">
            {phaseText(call)}
            {duration && <span data-testid="call-duration"> · {duration}</span>}
          </p>
          {call.peerOffline && !ended && (
            <p className="small call-warn">{call.peer.username} left Parley; the call lasts while your link holds.</p>
          )}
        </div>
        <div className="call-facts small">
          {call.safetyNumber && (
            <p
              title="Compare with the number your buddy sees: the same as in your private chat"
              data-testid="call-safety"
            >
              Verification: <code>{call.safetyNumber}</code>
            </p>
          )}
          <p>
            {call.relayOnly ? 'Relay-only' : 'Peer to peer'}
            {route ? ` · ${route}` : ''} · signalling end-to-end encrypted
          </p>
        </div>
      </header>

      {call.media !== 'none' && (
        <div className="call-media">
          <video ref={remoteRef} className="call-remote" autoPlay playsInline aria-label="Your buddy's video" />
          {hasVideo && (
            <video ref={localRef} className="call-local" autoPlay playsInline muted aria-label="Your video" />
          )}
        </div>
      )}

      {!ended && call.media !== 'none' && (
        <div className="call-controls" role="toolbar" aria-label="Call controls">
          <button type="button" className="secondary" aria-pressed={call.muted} onClick={() => calls.toggleMute()}>
            {call.muted ? 'Unmute' : 'Mute'}
          </button>
          {hasVideo && (
            <button
              type="button"
              className="secondary"
              aria-pressed={!call.cameraOn}
              onClick={() => calls.toggleCamera()}
            >
              {call.cameraOn ? 'Camera off' : 'Camera on'}
            </button>
          )}
          <button type="button" className="secondary" onClick={() => calls.setVideo(!hasVideo)}>
            {hasVideo ? 'Switch to voice' : 'Switch to video'}
          </button>
          {mics.length > 0 && (
            <label className="small">
              Microphone{' '}
              <select onChange={(e) => calls.useDevice('audioinput', e.target.value)} defaultValue="">
                <option value="" disabled>
                  choose…
                </option>
                {mics.map((d, i) => (
                  <option key={d.deviceId || i} value={d.deviceId}>
                    {d.label || `Microphone ${i + 1}`}
                  </option>
                ))}
              </select>
            </label>
          )}
          {hasVideo && cams.length > 0 && (
            <label className="small">
              Camera{' '}
              <select onChange={(e) => calls.useDevice('videoinput', e.target.value)} defaultValue="">
                <option value="" disabled>
                  choose…
                </option>
                {cams.map((d, i) => (
                  <option key={d.deviceId || i} value={d.deviceId}>
                    {d.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}

      {!ended && (call.phase === 'connected' || call.phase === 'reconnecting') && <DirectPanel />}

      <footer className="call-foot">
        {ended ? (
          <button type="button" className="secondary" onClick={() => calls.dismiss()}>
            Close
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => calls.hangUp()}>
            Hang up
          </button>
        )}
      </footer>
    </section>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Text and files peer to peer over the call's data channel: marked "direct" everywhere. */
function DirectPanel() {
  const { calls } = useController();
  const items = useStore(calls.store, (s) => s.direct);
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    calls.sendText(text);
    setText('');
  };
  return (
    <div className="direct-panel" aria-label="Direct chat" data-testid="direct-panel">
      <p className="direct-tag small">
        <span className="direct-badge">Direct</span> peer to peer: these messages and files never pass through the
        server, and are not kept.
      </p>
      <ul className="direct-items">
        {items.map((item) => (
          <DirectRow key={`${item.mine ? 'm' : 't'}:${item.id}`} item={item} />
        ))}
      </ul>
      <form className="direct-form" onSubmit={submit}>
        <input
          aria-label="Direct message"
          placeholder="Direct message"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="secondary" disabled={!text.trim()}>
          Send
        </button>
        <label className="secondary file-pick">
          Send file
          <input
            type="file"
            aria-label="Send a file directly"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) calls.sendFile(file);
              e.target.value = '';
            }}
          />
        </label>
      </form>
    </div>
  );
}

function DirectRow({ item }: { item: DirectItem }) {
  const { calls } = useController();
  if (item.kind === 'text') {
    return (
      <li className={`direct-item${item.mine ? ' mine' : ''}`} data-testid="direct-text">
        {item.text}
      </li>
    );
  }
  const size = item.size ?? 0;
  const moving = item.status === 'sending' || item.status === 'receiving';
  return (
    <li
      className={`direct-item direct-file${item.mine ? ' mine' : ''}`}
      data-testid="direct-file"
      data-status={item.status}
      data-mine={item.mine}
    >
      <span>
        {item.name} ({formatBytes(size)})
      </span>
      {moving && <progress max={size || 1} value={item.done} aria-label={`Progress of ${item.name}`} />}
      <span className="small muted">
        {moving ? `${formatBytes(item.done)} of ${formatBytes(size)}` : item.status === 'complete' ? '' : item.status}
      </span>
      {moving && (
        <button type="button" className="link-button" onClick={() => calls.cancelFile(item.id, item.mine)}>
          Cancel
        </button>
      )}
      {item.url && (
        <a href={item.url} download={item.name} data-testid="direct-download">
          Save
        </a>
      )}
    </li>
  );
}
