import type { PresenceService } from '../presence/presence.service.js';
import type { Handlers } from '../realtime/handle.js';
import type { BuddiesService } from './buddies.service.js';

export function buddiesHandlers(buddies: BuddiesService, presence: PresenceService): Handlers {
  return {
    'buddy:request': (input, { user }) => buddies.request(user, input),
    'buddy:respond': (input, { user }) => buddies.respond(user, input),
    'buddy:remove': (input, { user }) => buddies.remove(user, input),
    'buddy:list': (_input, { user }) => buddies.list(user),
    'buddy:block': (input, { user }) => buddies.block(user, input),
    'presence:set': (input, { user, socketId }) => presence.set(user, socketId, input.status),
  };
}
