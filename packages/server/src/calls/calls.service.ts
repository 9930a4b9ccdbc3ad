import { createHmac } from 'node:crypto';
import type { CallStatusKind, IceConfig, ParsedRequest, User } from '@parley/protocol';
import { AppError } from '../errors.js';
import type { EnforcedLimit } from '../limits/refusals.js';
import type { Connection, ConnectionLifecycle } from '../realtime/connection.js';
import type { Fanout } from '../realtime/fanout.js';
import type { CallLedger } from './calls.ledger.js';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface CallsService extends ConnectionLifecycle {
  /**
   * Relays one signalling message (its `data` is sealed end to end by the web app: the server
   * never reads it); the media itself flows peer to peer. Keeps the ledger that makes "busy",
   * the ringing timeout and "answered elsewhere" possible.
   */
  signal(user: User, input: ParsedRequest<'call:signal'>, socketId: string): Promise<Record<never, never>>;
  iceConfig(user: User): IceConfig;
  /** Stops the ringing timers (shutdown); the ledger's own expiry bounds what they guarded. */
  close(): void;
}

export interface CallsDeps {
  fanout: Fanout;
  ledger: CallLedger;
  findUser(username: string): Promise<User | undefined>;
  areBuddies(userId: string, otherId: string): Promise<boolean>;
  /** Limits the calls that ring (new offers) per user. */
  rings: EnforcedLimit;
  ringTimeoutMs: number;
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
  /** coturn's shared secret ("use-auth-secret"): TURN entries get short-lived credentials. */
  turnSecret: string | undefined;
  turnCredentialTtlSeconds: number;
}

/** The calls a connection of this instance holds, so that its closing can tell the peers. */
type Held = Map<string, { callId: string; peerId: string }>;

export function createCallsService(deps: CallsDeps): CallsService {
  const { fanout, ledger } = deps;
  const timers = new Map<string, NodeJS.Timeout>();
  // socketId → callId → the call it holds (the caller's connection, and the one that answered).
  const held = new Map<string, Held>();

  const tell = (userId: string, callId: string, peer: User, status: CallStatusKind) =>
    fanout.toUser(userId, 'call:status', { callId, peer, status });

  function hold(socketId: string, callId: string, peerId: string) {
    let calls = held.get(socketId);
    if (!calls) held.set(socketId, (calls = new Map<string, { callId: string; peerId: string }>()));
    calls.set(callId, { callId, peerId });
  }
  function release(callId: string) {
    for (const [socketId, calls] of held) {
      calls.delete(callId);
      if (calls.size === 0) held.delete(socketId);
    }
    clearTimeout(timers.get(callId));
    timers.delete(callId);
  }

  function startRinging(callId: string, caller: User, callee: User) {
    const timer = setTimeout(() => {
      timers.delete(callId);
      void ringOut(callId, caller, callee);
    }, deps.ringTimeoutMs);
    timer.unref();
    timers.set(callId, timer);
  }
  async function ringOut(callId: string, caller: User, callee: User) {
    // Only one instance wins the ledger's ringing → ended step: an answer elsewhere beats it.
    const ended = await ledger.expire(callId).catch(() => undefined);
    if (!ended) return;
    release(callId);
    tell(callee.id, callId, caller, 'missed');
    tell(caller.id, callId, callee, 'no-answer');
  }

  /** What the ledger says before the signal is relayed; false when it must not be relayed. */
  async function track(user: User, peer: User, input: ParsedRequest<'call:signal'>, socketId: string) {
    const { callId, kind } = input;
    if (kind === 'offer') {
      const known = await ledger.ring(callId, user.id, peer.id);
      if (known === 'known') return true; // a renegotiation (ICE restart, video on) of a call under way
      if (known === 'busy') {
        tell(user.id, callId, peer, 'busy');
        return false;
      }
      await deps.rings.consume(user.id).catch(async (error: unknown) => {
        await ledger.end(callId, user.id);
        throw error;
      });
      hold(socketId, callId, peer.id);
      startRinging(callId, user, peer);
      return true;
    }
    if (kind === 'answer') {
      if (await ledger.answer(callId, user.id)) {
        clearTimeout(timers.get(callId));
        timers.delete(callId);
        hold(socketId, callId, peer.id);
        tell(user.id, callId, peer, 'answered-elsewhere');
      }
      return true;
    }
    if (kind === 'reject' || kind === 'hangup') {
      const ended = await ledger.end(callId, user.id);
      release(callId);
      if (kind === 'reject' && ended?.state === 'ringing' && ended.calleeId === user.id) {
        tell(user.id, callId, peer, 'declined-elsewhere');
      }
    }
    return true;
  }

  async function closed(connection: Connection) {
    const calls = held.get(connection.socketId);
    if (!calls) return;
    held.delete(connection.socketId);
    for (const { callId, peerId } of calls.values()) {
      const ended = await ledger.end(callId, connection.user.id).catch(() => undefined);
      if (!ended) continue;
      release(callId);
      tell(peerId, callId, connection.user, 'peer-left');
    }
  }

  return {
    async signal(user, input, socketId) {
      const peer = await deps.findUser(input.to);
      // Unknown users and strangers get the same answer: calls are between buddies only.
      if (!peer || peer.id === user.id || !(await deps.areBuddies(user.id, peer.id))) {
        throw new AppError('FORBIDDEN', 'calls are between buddies only');
      }
      if (!(await track(user, peer, input, socketId))) return {};
      const { callId, kind, data } = input;
      fanout.toUser(
        peer.id,
        'call:signal',
        data === undefined ? { from: user, callId, kind } : { from: user, callId, kind, data },
      );
      return {};
    },

    disconnected(connection) {
      void closed(connection);
    },

    iceConfig(user) {
      return { iceServers: iceServersFor(deps, user), iceTransportPolicy: deps.iceTransportPolicy };
    },

    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

function iceServersFor(deps: CallsDeps, user: User): IceServer[] {
  const secret = deps.turnSecret;
  if (!secret) return deps.iceServers;
  // The TURN REST convention: username "<expiry>:<user>", credential HMAC-SHA1 of it.
  const username = `${Math.floor(Date.now() / 1000) + deps.turnCredentialTtlSeconds}:${user.id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return deps.iceServers.map((server) => {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    return urls.some((u) => u.startsWith('turn')) ? { ...server, username, credential } : server;
  });
}
