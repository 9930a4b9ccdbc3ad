import { randomUUID } from 'node:crypto';
import type { ParsedRequest, RequestResult, User } from '@parley/protocol';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';
import type { MessageWriter } from './message-writer.js';

export interface MessagesService {
  send(user: User, input: ParsedRequest<'message:send'>): Promise<RequestResult<'message:send'>>;
}

export function createMessagesService(deps: {
  writer: MessageWriter;
  fanout: Fanout;
  onStored?: () => void;
}): MessagesService {
  const { writer, fanout } = deps;
  return {
    async send(user, input) {
      const outcome = await writer.write({
        id: randomUUID(),
        roomId: input.roomId,
        sender: { id: user.id, username: user.username },
        clientMsgId: input.clientMsgId,
        body: input.body,
        sentAt: new Date(),
      });
      if (outcome.kind === 'no-room') throw new AppError('NOT_FOUND', 'no such room');
      if (outcome.kind === 'not-member') throw new AppError('FORBIDDEN', 'join the room first');
      // Only after the commit, and only once: a retried clientMsgId is answered, not re-broadcast.
      if (outcome.kind === 'stored') {
        deps.onStored?.();
        fanout.publishMessage(outcome.message);
      }
      return { message: outcome.message };
    },
  };
}
