import { createHmac } from 'node:crypto';
import type { ParsedRequest, User } from '@parley/protocol';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface CallsService {
  /** Relays one signalling message; the media itself flows peer to peer. */
  signal(user: User, input: ParsedRequest<'call:signal'>): Promise<Record<never, never>>;
  iceServers(user: User): IceServer[];
}

export interface CallsDeps {
  fanout: Fanout;
  findUser(username: string): Promise<User | undefined>;
  areBuddies(userId: string, otherId: string): Promise<boolean>;
  iceServers: IceServer[];
  /** coturn's shared secret ("use-auth-secret"): TURN entries get short-lived credentials. */
  turnSecret: string | undefined;
  turnCredentialTtlSeconds: number;
}

export function createCallsService(deps: CallsDeps): CallsService {
  return {
    async signal(user, input) {
      const peer = await deps.findUser(input.to);
      // Unknown users and strangers get the same answer: calls are between buddies only.
      if (!peer || !(await deps.areBuddies(user.id, peer.id))) {
        throw new AppError('FORBIDDEN', 'calls are between buddies only');
      }
      const { callId, kind, data } = input;
      deps.fanout.toUser(
        peer.id,
        'call:signal',
        data === undefined ? { from: user, callId, kind } : { from: user, callId, kind, data },
      );
      return {};
    },

    iceServers(user) {
      const secret = deps.turnSecret;
      if (!secret) return deps.iceServers;
      // The TURN REST convention: username "<expiry>:<user>", credential HMAC-SHA1 of it.
      const username = `${Math.floor(Date.now() / 1000) + deps.turnCredentialTtlSeconds}:${user.id}`;
      const credential = createHmac('sha1', secret).update(username).digest('base64');
      return deps.iceServers.map((server) => {
        const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
        return urls.some((u) => u.startsWith('turn')) ? { ...server, username, credential } : server;
      });
    },
  };
}
