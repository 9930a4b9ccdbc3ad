import type { Handlers } from '../realtime/handle.js';
import type { DmService } from './dms.service.js';

export function dmsHandlers(dms: DmService): Handlers {
  return {
    'dm:send': (input, { user, socketId }) => dms.send(user, input, socketId),
    'dm:ack': (input, { user, socketId }) => dms.ack(user, input, socketId),
    'keys:publish': (input, { user, socketId }) => dms.publishKey(user, input, socketId),
    'keys:get': (input) => dms.getKey(input),
    'keys:remove': (input, { user }) => dms.removeKey(user, input),
    'dm:request:respond': (input, { user }) => dms.respondToRequest(user, input),
    'dm:request:list': (_input, { user }) => dms.listRequestDecisions(user),
  };
}
