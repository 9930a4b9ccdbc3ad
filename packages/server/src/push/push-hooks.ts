import { mentionedNames, type Message, type ServerEventName, type ServerEventPayloads } from '@parley/protocol';
import type { Fanout } from '../realtime/fanout.js';
import type { PushService } from './push.service.js';

export interface PushHookDeps {
  push: PushService;
  /** The members of the room among these lower-case usernames. */
  membersNamed(roomId: string, usernamesLower: string[]): Promise<{ id: string }[]>;
  onError(error: unknown): void;
}

/**
 * Watches what the services send for the three things that deserve a push (a private message,
 * a mention, a call offer) and hands them to the push service, which pushes only to users with
 * no connection open. A decorator of the fan-out seam: the dms, calls and messages services
 * stay as they are, and what they send is exactly what is watched.
 */
export function withPushHooks(fanout: Fanout, deps: PushHookDeps): Fanout {
  const { push } = deps;

  async function mentions(message: Message): Promise<void> {
    const names = mentionedNames(message.body).filter((n) => n !== message.sender.username.toLowerCase());
    if (names.length === 0) return;
    for (const member of await deps.membersNamed(message.roomId, names)) {
      push.notify(member.id, { kind: 'mention', from: message.sender, roomId: message.roomId });
    }
  }

  return {
    ...fanout,
    publishMessage(message) {
      fanout.publishMessage(message);
      // The cheap test first: this is the path every room message takes.
      if (message.body.includes('@')) void mentions(message).catch((err: unknown) => deps.onError(err));
    },
    toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventPayloads[E]) {
      fanout.toUser(userId, event, payload);
      if (event === 'dm:new') {
        const dm = payload as ServerEventPayloads['dm:new'];
        push.notify(userId, { kind: 'dm', from: dm.from });
      } else if (event === 'call:signal') {
        const signal = payload as ServerEventPayloads['call:signal'];
        if (signal.kind === 'offer') push.notify(userId, { kind: 'call', from: signal.from });
      }
    },
  };
}
