import type { Handlers } from '../realtime/handle.js';
import type { MessagesService } from './messages.service.js';

export function messagesHandlers(messages: MessagesService): Handlers {
  return {
    'message:send': (input, { user }) => messages.send(user, input),
    'message:edit': (input, { user }) => messages.edit(user, input),
    'message:delete': (input, { user }) => messages.delete(user, input),
    'reaction:set': (input, { user }) => messages.react(user, input),
  };
}
