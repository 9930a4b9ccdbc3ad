import type { Handlers } from '../realtime/handle.js';
import type { DmService } from './dms.service.js';

export function dmsHandlers(dms: DmService): Handlers {
  return {
    'dm:send': (input, { user }) => dms.send(user, input),
    'dm:ack': (input, { user }) => dms.ack(user, input),
    'keys:publish': (input, { user }) => dms.publishKey(user, input),
    'keys:get': (input) => dms.getKey(input),
  };
}
