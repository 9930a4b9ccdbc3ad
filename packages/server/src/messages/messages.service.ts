import { randomUUID } from 'node:crypto';
import type { ParsedRequest, RequestResult, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import type { Fanout } from '../realtime/fanout.js';
import type { RoomsService } from '../rooms/rooms.service.js';
import * as store from './messages.store.js';

export interface MessagesService {
  send(user: User, input: ParsedRequest<'message:send'>): Promise<RequestResult<'message:send'>>;
}

export function createMessagesService(deps: {
  db: Db;
  fanout: Fanout;
  rooms: RoomsService;
  onStored?: () => void;
}): MessagesService {
  const { db, fanout, rooms } = deps;
  return {
    async send(user, input) {
      await rooms.assertMember(user, input.roomId);
      const { message, created } = await store.insertMessage(db, {
        id: randomUUID(),
        roomId: input.roomId,
        sender: user,
        clientMsgId: input.clientMsgId,
        body: input.body,
        sentAt: new Date(),
      });
      // Only after the commit, and only once: a retried clientMsgId is answered, not re-broadcast.
      if (created) {
        deps.onStored?.();
        fanout.publishMessage(message);
      }
      return { message };
    },
  };
}
