import type { Handlers } from '../realtime/handle.js';
import type { SearchService } from './search.service.js';

export function searchHandlers(search: SearchService): Handlers {
  return {
    'message:search': (input, { user }) => search.search(user, input),
  };
}
