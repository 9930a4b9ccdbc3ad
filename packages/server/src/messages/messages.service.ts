import { randomUUID } from 'node:crypto';
import type { Message, ParsedRequest, RequestResult, User } from '@parley/protocol';
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
  // Issue 15 (rooms and files): slow mode before the write; files checked before and linked after it.
  slowMode?: { admit(user: User, roomId: string, clientMsgId: string): Promise<void> };
  attachments?: {
    check(user: User, fileIds: string[], clientMsgId: string): Promise<void>;
    link(message: Message, fileIds: string[]): Promise<Message>;
  };
}): MessagesService {
  const { writer, fanout } = deps;
  return {
    async send(user, input) {
      // Issue 15: slow mode and attachment checks (their services decide; nothing stored yet).
      await deps.slowMode?.admit(user, input.roomId, input.clientMsgId);
      if (input.attachments) await deps.attachments?.check(user, input.attachments, input.clientMsgId);
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
      // Issue 15: linking is idempotent, so a retried clientMsgId also completes a link a crash cut short.
      if (input.attachments && deps.attachments) {
        outcome.message = await deps.attachments.link(outcome.message, input.attachments);
      }
      // Only after the commit, and only once: a retried clientMsgId is answered, not re-broadcast.
      if (outcome.kind === 'stored') {
        deps.onStored?.();
        fanout.publishMessage(outcome.message);
      }
      return { message: outcome.message };
    },
  };
}
