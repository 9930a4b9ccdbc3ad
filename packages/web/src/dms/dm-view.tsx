import { useEffect } from 'react';
import { DmTypingLine } from '../chat/attention-parts.js';
import { CallButtons } from '../calls/call-buttons.js';
import { Composer } from '../chat/composer.js';
import { buddyStatus } from '../state/buddies-actions.js';
import { useAppState, useController } from '../state/use-controller.js';
import { PresenceDot } from '../buddies/presence-dot.js';
import { MenuIcon } from '../ui/icons.js';
import { DmMessages } from './dm-messages.js';

const KEY_RETRY_MS = 10_000;

/**
 * A private, end-to-end encrypted conversation. It exists in this page's memory only; the
 * notice under the header says so, because people assume chats are kept.
 */
export function DmView({ threadKey, onOpenRooms }: { threadKey: string; onOpenRooms: () => void }) {
  const controller = useController();
  const { dms, attention } = controller;
  const thread = useAppState((s) => s.dms[threadKey]);
  const me = useAppState((s) => s.me);
  const keyStored = useAppState((s) => s.keyStored);
  const insecure = useAppState((s) => s.dmCrypto === 'insecure');
  const status = useAppState((s) => (thread ? buddyStatus(s.buddies, thread.peer.id) : undefined));
  const waitingForKey = thread?.keyProblem !== undefined;
  const peerUser = thread?.peer;

  useEffect(() => {
    // Someone without a key gets one when they next sign in: look again now and then, so the
    // conversation opens up without being closed and reopened.
    if (!waitingForKey || !peerUser) return undefined;
    const timer = setInterval(() => void dms.refreshKey(peerUser), KEY_RETRY_MS);
    return () => clearInterval(timer);
  }, [dms, waitingForKey, peerUser]);

  if (!thread || !me) return null;
  const peer = thread.peer.username;
  const blocked = insecure
    ? 'Private messages need HTTPS on this address'
    : thread.keyChanged
      ? `${peer}'s identity changed: compare the safety number first`
      : thread.request
        ? `Accept ${peer}'s request to reply`
        : thread.keyProblem
          ? `Cannot send: ${thread.keyProblem}`
          : undefined;

  return (
    <section className="chat-main dm" aria-label={`Private conversation with ${peer}`}>
      <header className="chat-head">
        <button type="button" className="icon-button menu-button" aria-label="Open rooms" onClick={onOpenRooms}>
          <MenuIcon />
        </button>
        <div className="chat-title">
          <h1>
            {status && <PresenceDot status={status} inline />}
            {peer}
          </h1>
          <p className="topic">
            <span className="otr-tag">Off the record</span>{' '}
            {insecure ? 'not available on this address' : 'end-to-end encrypted'}
            {thread.verified && (
              <span className="otr-verified" data-testid="dm-verified">
                {' '}
                · verified
              </span>
            )}
          </p>
        </div>
        <CallButtons peer={thread.peer} />
        <button
          type="button"
          className="secondary"
          onClick={() => controller.rooms.open(controller.store.get().activeRoomId)}
        >
          Close
        </button>
        <button
          type="button"
          className="secondary"
          title="End the conversation: its messages leave this page now"
          onClick={() => dms.forget(peer)}
        >
          End
        </button>
        <button
          type="button"
          className="secondary"
          title={`Block ${peer}: no private messages, buddy requests or calls from them`}
          onClick={() => void dms.block(peer)}
        >
          Block
        </button>
      </header>
      {insecure && (
        <div className="key-warning" role="alert" data-testid="dm-insecure">
          <p>
            <strong>Private messages need HTTPS.</strong> This page was opened over plain HTTP on{' '}
            <code>{location.host}</code>, where the browser offers no encryption (WebCrypto works only on HTTPS or
            localhost). Nothing is encrypted or sent from here. Ask whoever runs this server to put it behind HTTPS (a
            reverse proxy such as Caddy or nginx with a certificate — see the README), then open it with{' '}
            <code>https://</code>.
          </p>
        </div>
      )}
      <div className="otr-notice" role="note" data-testid="otr-notice">
        Off the record — not saved; gone when you close or reload this page. Messages wait on the server for up to 2
        minutes while {peer} is away.
      </div>
      {thread.request && (
        <div className="otr-notice" role="status" data-testid="dm-request">
          {peer} is not your buddy: this is a message request.{' '}
          <button type="button" className="link-button" onClick={() => dms.acceptRequest(peer)}>
            Accept
          </button>{' '}
          <button type="button" className="link-button" onClick={() => dms.ignoreRequest(peer)}>
            Ignore
          </button>
        </div>
      )}
      {thread.keyChanged && (
        <div className="key-warning" role="alert" data-testid="key-warning">
          <p>
            <strong>{peer}&apos;s identity changed since you verified it</strong> (was{' '}
            <code>{thread.keyChanged.before}</code>, now <code>{thread.keyChanged.after}</code>). That happens when they
            lost or reset every device you verified, or when someone is intercepting your messages. Compare the safety
            number below with {peer} (in person or on a call) before you send anything.
          </p>
          <button type="button" className="secondary" onClick={() => dms.verify(peer)}>
            The numbers match: verify again
          </button>
        </div>
      )}
      {thread.deviceNotice && !thread.keyChanged && (
        <div className="otr-notice" role="status" data-testid="device-notice">
          {thread.deviceNotice}. The safety number below now covers it; compare it with {peer} to verify.{' '}
          <button type="button" className="link-button" onClick={() => dms.verify(peer)}>
            Mark as verified
          </button>{' '}
          <button type="button" className="link-button" onClick={() => dms.dismissDeviceNotice(peer)}>
            Dismiss
          </button>
        </div>
      )}
      {thread.keyProblem && !thread.keyChanged && !insecure && (
        <div className="otr-notice otr-notice-bad" role="status">
          Cannot send yet: {thread.keyProblem}.
        </div>
      )}
      {thread.undecryptable > 0 && (
        <div className="otr-notice otr-notice-bad" role="status">
          <span data-testid="dm-undecryptable">
            {thread.undecryptable === 1 ? 'A message' : `${thread.undecryptable} messages`} from {peer} could not be
            decrypted on this device
          </span>
          : it was not encrypted for this browser&apos;s key (sent before this device existed, or by an old app).
        </div>
      )}
      {!keyStored && (
        <div className="otr-notice otr-notice-bad" role="status">
          This browser cannot store your key: you get a new one, and a new safety number, on every reload.
        </div>
      )}
      {!insecure && (
        <details className="safety" open={Boolean(thread.keyChanged)}>
          <summary>Safety number</summary>
          {thread.safetyNumber ? (
            <>
              <p className="safety-number" data-testid="safety-number">
                {/* Three rows of four groups, as people read them out; the spaces keep it one string when copied. */}
                {thread.safetyNumber.split(' ').map((group, i, all) => (
                  <span key={i}>
                    {group}
                    {i < all.length - 1 ? ' ' : ''}
                  </span>
                ))}
              </p>
              <p className="hint">
                One number for both of you and all your devices: {peer} sees the same 60 digits when nobody is in
                between. Compare them in person or on a call.
              </p>
              {!thread.verified && (
                <button type="button" className="secondary" onClick={() => dms.verify(peer)}>
                  The numbers match: mark as verified
                </button>
              )}
            </>
          ) : (
            <p className="hint">Not known until {peer} has a key.</p>
          )}
        </details>
      )}
      <DmMessages
        encrypted={!insecure}
        peer={peer}
        me={me.username}
        messages={thread.messages}
        onRetry={(id) => dms.retry(peer, id)}
        onDiscard={(id) => dms.discard(peer, id)}
      />
      <DmTypingLine peer={peer} />
      <Composer
        key={threadKey}
        draftKey={`dm:${threadKey}`}
        label={`Private message to ${peer}`}
        onSend={(body) => dms.send(peer, body)}
        blocked={blocked}
        onTyping={() => attention.typing({ to: peer })}
      />
    </section>
  );
}
