import type { Handlers } from '../realtime/handle.js';
import type { CallsService } from './calls.service.js';

export function callsHandlers(calls: CallsService): Handlers {
  return {
    'call:signal': (input, { user, socketId }) => calls.signal(user, input, socketId),
  };
}
