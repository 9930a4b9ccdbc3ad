import { randomUUID } from 'node:crypto';
import type { Message, ParsedRequest, RequestResult, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';
import { isMember } from '../rooms/rooms.store.js';
import {
  ChangeRefused,
  deleteMessage,
  editMessage,
  findRow,
  setReaction,
  type MessageStore,
} from './messages.store.js';
import type { Scrubber } from './scrubber.js';

export interface MessagesService {
  send(user: User, input: ParsedRequest<'message:send'>): Promise<RequestResult<'message:send'>>;
  edit(user: User, input: ParsedRequest<'message:edit'>): Promise<RequestResult<'message:edit'>>;
  delete(user: User, input: ParsedRequest<'message:delete'>): Promise<RequestResult<'message:delete'>>;
  react(user: User, input: ParsedRequest<'reaction:set'>): Promise<RequestResult<'reaction:set'>>;
  /**
   * Called after a message's delete committed, once per message (not for a repeated delete).
   * The seam where other capabilities let go of what the message held (files, issue 15).
   */
  readonly onMessageDeleted: ((deleted: { roomId: string; messageId: string }) => void | Promise<void>)[];
}

export interface MessagesServiceDeps {
  db: Db;
  store: MessageStore;
  fanout: Fanout;
  scrubber: Scrubber;
  /**
   * Whether a user may delete other people's messages in a room (its owner and moderators).
   * Roles belong to the rooms capability: app.ts wires it to the rooms service.
   */
  mayModerate(roomId: string, userId: string): Promise<boolean>;
  onStored?: () => void;
  onError?: (error: unknown, what: string) => void;
  // Issue 15 (rooms and files): slow mode before the write; files checked before and linked after it.
  slowMode?: { admit(user: User, roomId: string, clientMsgId: string): Promise<void> };
  attachments?: {
    check(user: User, fileIds: string[], clientMsgId: string): Promise<void>;
    link(message: Message, fileIds: string[]): Promise<Message>;
    /** A changed message keeps showing its files (an edit or a reaction does not drop them). */
    withAttachments(messages: Message[]): Promise<Message[]>;
  };
}

export function createMessagesService(deps: MessagesServiceDeps): MessagesService {
  const { db, store, fanout, scrubber } = deps;
  const onMessageDeleted: MessagesService['onMessageDeleted'] = [];

  /** The message, if the user may see it: NOT_FOUND when there is none, FORBIDDEN for a non-member. */
  async function findVisible(user: User, messageId: string): Promise<MessagesTable> {
    const row = await findRow(db, messageId);
    if (!row) throw new AppError('NOT_FOUND', 'no such message');
    if (!(await isMember(db, row.room_id, user.id))) throw new AppError('FORBIDDEN', 'join the room first');
    return row;
  }

  /**
   * Per room, the tail of the changes being published. Changes of one room commit in version
   * order (each takes the room's counter under its row lock), but the read of a change's
   * attachments after the commit takes its own time: without this queue a later version could
   * go out first, and a member who saw it and then lost the connection would ask for changes
   * since it, missing the earlier one.
   */
  const publishing = new Map<string, Promise<unknown>>();

  function inCommitOrder<T>(roomId: string, step: () => Promise<T>): Promise<T> {
    const run = (publishing.get(roomId) ?? Promise.resolve()).then(step);
    const tail = run.catch(() => undefined);
    publishing.set(roomId, tail);
    void tail.then(() => {
      if (publishing.get(roomId) === tail) publishing.delete(roomId);
    });
    return run;
  }

  async function changed(outcome: Promise<{ message: Message; changed: boolean }>) {
    try {
      const committed = await outcome;
      return await inCommitOrder(committed.message.roomId, async () => {
        const result = { ...committed };
        if (deps.attachments && !result.message.deletedAt) {
          const [message] = await deps.attachments.withAttachments([result.message]);
          if (message) result.message = message;
        }
        // Only after the commit, and only when something changed: a repeat is answered, not re-broadcast.
        if (result.changed) fanout.publishUpdate(result.message);
        return result;
      });
    } catch (error) {
      if (error instanceof ChangeRefused) {
        throw error.reason === 'deleted'
          ? new AppError('NOT_FOUND', 'message was deleted')
          : new AppError('TOO_LARGE', 'too many different reactions on this message');
      }
      throw error;
    }
  }

  return {
    onMessageDeleted,
    async send(user, input) {
      // Issue 15: slow mode and attachment checks (their services decide; nothing stored yet).
      await deps.slowMode?.admit(user, input.roomId, input.clientMsgId);
      if (input.attachments) await deps.attachments?.check(user, input.attachments, input.clientMsgId);
      const outcome = await store.write({
        id: randomUUID(),
        roomId: input.roomId,
        sender: { id: user.id, username: user.username },
        clientMsgId: input.clientMsgId,
        body: input.body,
        sentAt: new Date(),
        ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
      });
      if (outcome.kind === 'no-room') throw new AppError('NOT_FOUND', 'no such room');
      if (outcome.kind === 'not-member') throw new AppError('FORBIDDEN', 'join the room first');
      if (outcome.kind === 'no-reply') throw new AppError('NOT_FOUND', 'replyTo: no such message in this room');
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
    async edit(user, input) {
      const target = await findVisible(user, input.messageId);
      if (target.sender_id !== user.id) throw new AppError('FORBIDDEN', 'only the author edits a message');
      const { message } = await changed(editMessage(db, target, input.body, new Date()));
      // The old text is overwritten; its copies in the database files go with the next scrub.
      scrubber.request();
      return { message };
    },
    async delete(user, input) {
      const target = await findVisible(user, input.messageId);
      if (target.sender_id !== user.id && !(await deps.mayModerate(target.room_id, user.id))) {
        throw new AppError('FORBIDDEN', "only the author, the room's owner or a moderator deletes a message");
      }
      const result = await changed(deleteMessage(db, target, new Date()));
      if (result.changed) {
        scrubber.request();
        for (const hook of onMessageDeleted) {
          void Promise.resolve()
            .then(() => hook({ roomId: target.room_id, messageId: target.id }))
            .catch((error: unknown) => deps.onError?.(error, 'onMessageDeleted'));
        }
      }
      return { message: result.message };
    },
    async react(user, input) {
      const target = await findVisible(user, input.messageId);
      const { message } = await changed(
        setReaction(db, target, { userId: user.id, emoji: input.emoji, on: input.on }, new Date()),
      );
      return { message };
    },
  };
}
