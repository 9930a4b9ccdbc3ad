import type { ErrorCode, User } from '@parley/protocol';
import { hashToken } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { UNAVAILABLE_RETRY_AFTER_MS } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { OutageLog } from '../outages.js';
import type { Connection, ConnectionLifecycle } from './connection.js';
import type { InFlight } from './handle.js';

/** Who a handshake turned out to be, and the rooms the connection starts in. */
export interface Admission {
  user: User;
  tokenHash: string;
  roomIds: string[];
}

/**
 * A refused handshake. Socket.IO sends `connect_error` with `message` = the code and `data` =
 * the protocol's error body; Parley's own WebSocket endpoint sends the same packet.
 */
export class ConnectRefused extends Error {
  readonly data: { code: ErrorCode; message: string; retryAfterMs?: number };

  constructor(code: ErrorCode, detail: string, retryAfterMs?: number) {
    super(code);
    this.data = retryAfterMs === undefined ? { code, message: detail } : { code, message: detail, retryAfterMs };
  }
}

export interface ConnectionGateDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  inFlight: InFlight;
  lifecycles: ConnectionLifecycle[];
  /** Logs a database or Redis outage once; without it every failed handshake is logged. */
  outages?: OutageLog;
  authenticate(token: string): Promise<User | undefined>;
  roomIdsOf(userId: string): Promise<string[]>;
}

/**
 * What every transport shares: who may connect (a valid session, under the connection caps),
 * and what happens when a connection opens and closes. Counts are per instance.
 */
export interface ConnectionGate {
  /** Resolves with the admission, or rejects with a {@link ConnectRefused}. */
  admit(token: string | undefined): Promise<Admission>;
  opened(connection: Connection, transport: string): void;
  closed(connection: Connection, transport: string): void;
  transportChanged(from: string, to: string): void;
}

export function createConnectionGate(deps: ConnectionGateDeps): ConnectionGate {
  const { config, metrics, lifecycles } = deps;
  const perUser = new Map<string, number>();
  let total = 0;

  async function identify(token: string): Promise<Admission | undefined> {
    try {
      const user = await deps.authenticate(token);
      if (!user) return undefined;
      return { user, tokenHash: hashToken(token), roomIds: await deps.roomIdsOf(user.id) };
    } catch (err) {
      if (!deps.outages?.report(err)) deps.log.warn({ err }, 'handshake could not be checked');
      throw new ConnectRefused('UNAVAILABLE', 'could not check the session; retry', UNAVAILABLE_RETRY_AFTER_MS);
    }
  }

  return {
    async admit(token) {
      if (deps.inFlight.draining)
        throw new ConnectRefused('UNAVAILABLE', 'server is restarting; retry', UNAVAILABLE_RETRY_AFTER_MS);
      const admission = token ? await identify(token) : undefined;
      if (!admission) throw new ConnectRefused('UNAUTHORIZED', 'sign in first');
      if (total >= config.maxConnections) throw new ConnectRefused('UNAVAILABLE', 'server is at its connection limit');
      if ((perUser.get(admission.user.id) ?? 0) >= config.maxConnectionsPerUser) {
        throw new ConnectRefused('RATE_LIMITED', 'too many connections for this user');
      }
      return admission;
    },
    opened(connection, transport) {
      total += 1;
      perUser.set(connection.user.id, (perUser.get(connection.user.id) ?? 0) + 1);
      metrics.connections.inc({ transport });
      for (const lifecycle of lifecycles) lifecycle.connected?.(connection);
    },
    closed(connection, transport) {
      for (const lifecycle of lifecycles) lifecycle.disconnected?.(connection);
      total -= 1;
      const left = (perUser.get(connection.user.id) ?? 1) - 1;
      if (left > 0) perUser.set(connection.user.id, left);
      else perUser.delete(connection.user.id);
      metrics.connections.dec({ transport });
    },
    transportChanged(from, to) {
      metrics.connections.dec({ transport: from });
      metrics.connections.inc({ transport: to });
    },
  };
}
