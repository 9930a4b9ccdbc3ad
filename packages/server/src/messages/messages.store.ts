import type { Message } from '@parley/protocol';
import { isUniqueViolation, type Db } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';

export function toMessage(row: MessagesTable): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    clientMsgId: row.client_msg_id,
    sender: { id: row.sender_id, username: row.sender_username },
    body: row.body,
    sentAt: row.sent_at,
  };
}

export interface NewMessage {
  id: string;
  roomId: string;
  sender: { id: string; username: string };
  clientMsgId: string;
  body: string;
  sentAt: Date;
}

async function findBySenderAndClientId(db: Db, senderId: string, clientMsgId: string) {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', senderId)
    .where('client_msg_id', '=', clientMsgId)
    .executeTakeFirst();
  return row && toMessage(row);
}

/**
 * Stores a message with the room's next seq, in one transaction: the seq increment locks the
 * room row, so seqs are gap-free and in commit order. A repeated (sender, clientMsgId) returns
 * the stored message with created = false; a concurrent repeat loses on the unique key, its
 * transaction (and its seq increment) rolls back, and it too returns the stored message.
 */
export async function insertMessage(db: Db, input: NewMessage): Promise<{ message: Message; created: boolean }> {
  const existing = await findBySenderAndClientId(db, input.sender.id, input.clientMsgId);
  if (existing) return { message: existing, created: false };
  try {
    const message = await db.transaction().execute(async (tx) => {
      const room = await tx
        .updateTable('rooms')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', input.roomId)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const row: MessagesTable = {
        id: input.id,
        room_id: input.roomId,
        seq: Number(room.last_seq),
        sender_id: input.sender.id,
        sender_username: input.sender.username,
        client_msg_id: input.clientMsgId,
        body: input.body,
        sent_at: input.sentAt.toISOString(),
      };
      await tx.insertInto('messages').values(row).execute();
      return toMessage(row);
    });
    return { message, created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const stored = await findBySenderAndClientId(db, input.sender.id, input.clientMsgId);
    if (!stored) throw error;
    return { message: stored, created: false };
  }
}

/** Up to `limit` messages with seq > afterSeq, ascending. */
export async function listAfter(db: Db, roomId: string, afterSeq: number, limit: number): Promise<Message[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

/** The `limit` messages just before beforeSeq (or the latest), ascending. */
export async function listBefore(
  db: Db,
  roomId: string,
  beforeSeq: number | undefined,
  limit: number,
): Promise<Message[]> {
  let query = db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
  return rows.reverse().map(toMessage);
}
