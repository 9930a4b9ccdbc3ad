import type { User } from '@parley/protocol';
import { sql } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import {
  mentionCandidates,
  toMessage,
  toReplyRef,
  toRow,
  type NewMessage,
  type ParentRow,
  type WriteBatch,
  type WriteOutcome,
} from './message-rows.js';

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * PostgreSQL's batch: a handful of set-based statements and one commit, whatever its size; the
 * rooms it touches are locked in id order, so batches of several instances cannot deadlock.
 * Replies and mentions cost a statement only when a message of the batch has them. A concurrent
 * repeat from another instance fails the batch on the unique key; its messages are then written
 * as batches of one, where that repeat is answered with the stored message.
 */
export function createPostgresBatch(db: Db): WriteBatch {
  async function one(input: NewMessage): Promise<WriteOutcome> {
    try {
      const [outcome] = await writeBatch(db, [input]);
      return outcome!;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const stored = await db
        .selectFrom('messages')
        .selectAll()
        .where('sender_id', '=', input.sender.id)
        .where('client_msg_id', '=', input.clientMsgId)
        .executeTakeFirst();
      if (!stored) throw error;
      return { kind: 'repeat', message: toMessage(stored) };
    }
  }
  return async (inputs) => {
    try {
      return await writeBatch(db, inputs);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return Promise.all(inputs.map(one));
    }
  };
}

type Plan =
  | { kind: 'outsider' | 'no-reply' | 'fresh'; m: NewMessage }
  | { kind: 'stored-before'; m: NewMessage; message: ReturnType<typeof toMessage> }
  | { kind: 'repeat-in-batch'; m: NewMessage; first: NewMessage };

async function writeBatch(db: Db, inputs: NewMessage[]): Promise<WriteOutcome[]> {
  return db.transaction().execute(async (tx) => {
    const pairs = [...new Map(inputs.map((m) => [pairKey(m.roomId, m.sender.id), m])).values()];
    const members = await sql<{ room_id: string; user_id: string }>`
      select room_id, user_id from room_members
      where (room_id, user_id) in (${sql.join(pairs.map((m) => sql`(${m.roomId}, ${m.sender.id})`))})`.execute(tx);
    const memberOf = new Set(members.rows.map((r) => pairKey(r.room_id, r.user_id)));
    const existing = await sql<MessagesTable>`
      select * from messages
      where (sender_id, client_msg_id) in (${sql.join(inputs.map((m) => sql`(${m.sender.id}, ${m.clientMsgId})`))})`.execute(
      tx,
    );
    const stored = new Map(existing.rows.map((r) => [pairKey(r.sender_id, r.client_msg_id), toMessage(r)]));
    const parents = await findParents(tx, inputs);
    // Decide each message in arrival order; a repeat within the batch answers the first copy.
    const fresh: NewMessage[] = [];
    const firstOfKey = new Map<string, NewMessage>();
    const plan = inputs.map((m): Plan => {
      if (!memberOf.has(pairKey(m.roomId, m.sender.id))) return { kind: 'outsider', m };
      const key = pairKey(m.sender.id, m.clientMsgId);
      const earlier = stored.get(key);
      if (earlier) return { kind: 'stored-before', m, message: earlier };
      const first = firstOfKey.get(key);
      if (first) return { kind: 'repeat-in-batch', m, first };
      if (m.replyTo !== undefined && parents.get(m.replyTo)?.room_id !== m.roomId) return { kind: 'no-reply', m };
      firstOfKey.set(key, m);
      fresh.push(m);
      return { kind: 'fresh', m };
    });
    const rows = await insertFresh(tx, fresh);
    const mentions = await storeMentions(tx, fresh, rows);
    const outsiders = plan.filter((p) => p.kind === 'outsider').map((p) => p.m.roomId);
    const existingRooms = new Set(
      outsiders.length === 0
        ? []
        : (await tx.selectFrom('rooms').select('id').where('id', 'in', outsiders).execute()).map((r) => r.id),
    );
    const stamped = (m: NewMessage) => {
      const parent = m.replyTo === undefined ? undefined : parents.get(m.replyTo);
      return toMessage(rows.get(m)!, { mentions: mentions.get(m), replyTo: parent && toReplyRef(parent) });
    };
    return plan.map((p): WriteOutcome => {
      switch (p.kind) {
        case 'outsider':
          return existingRooms.has(p.m.roomId) ? { kind: 'not-member' } : { kind: 'no-room' };
        case 'no-reply':
          return { kind: 'no-reply' };
        case 'stored-before':
          return { kind: 'repeat', message: p.message };
        case 'repeat-in-batch':
          return { kind: 'repeat', message: stamped(p.first) };
        case 'fresh':
          return { kind: 'stored', message: stamped(p.m) };
      }
    });
  });
}

async function findParents(tx: Db, inputs: NewMessage[]): Promise<Map<string, ParentRow & { room_id: string }>> {
  const ids = [...new Set(inputs.flatMap((m) => (m.replyTo === undefined ? [] : [m.replyTo])))];
  if (ids.length === 0) return new Map();
  const rows = await tx
    .selectFrom('messages')
    .select(['id', 'room_id', 'seq', 'sender_id', 'sender_username', 'body'])
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Takes each room's next seqs and versions (rooms locked in id order) and inserts the rows. */
async function insertFresh(tx: Db, fresh: NewMessage[]): Promise<Map<NewMessage, MessagesTable>> {
  const rows = new Map<NewMessage, MessagesTable>();
  if (fresh.length === 0) return rows;
  const perRoom = new Map<string, number>();
  for (const m of fresh) perRoom.set(m.roomId, (perRoom.get(m.roomId) ?? 0) + 1);
  const roomIds = [...perRoom.keys()].sort();
  await sql`select id from rooms where id in (${sql.join(roomIds)}) order by id for update`.execute(tx);
  const bumped = await sql<{ id: string; last_seq: number; last_version: number }>`
    update rooms set last_seq = rooms.last_seq + v.n, last_version = rooms.last_version + v.n
    from (values ${sql.join(roomIds.map((id) => sql`(${id}::text, ${perRoom.get(id)}::int)`))}) as v(id, n)
    where rooms.id = v.id
    returning rooms.id, rooms.last_seq, rooms.last_version`.execute(tx);
  const next = new Map(
    bumped.rows.map((r) => {
      const n = perRoom.get(r.id)!;
      return [r.id, { seq: Number(r.last_seq) - n + 1, version: Number(r.last_version) - n + 1 }];
    }),
  );
  for (const m of fresh) {
    const at = next.get(m.roomId)!;
    rows.set(m, toRow(m, at.seq, at.version));
    next.set(m.roomId, { seq: at.seq + 1, version: at.version + 1 });
  }
  await tx
    .insertInto('messages')
    .values([...rows.values()])
    .execute();
  return rows;
}

/** Resolves `@username` of the room's members, for the messages that name anyone (one statement). */
async function storeMentions(
  tx: Db,
  fresh: NewMessage[],
  rows: Map<NewMessage, MessagesTable>,
): Promise<Map<NewMessage, User[]>> {
  const named = fresh.map((m) => ({ m, names: mentionCandidates(m.body) })).filter((x) => x.names.length > 0);
  const found = new Map<NewMessage, User[]>();
  if (named.length === 0) return found;
  const wanted = named.flatMap(({ m, names }) => names.map((n) => sql`(${m.roomId}::text, ${n}::text)`));
  const users = await sql<{ room_id: string; id: string; username: string; username_lower: string }>`
    select rm.room_id, u.id, u.username, u.username_lower from room_members rm join users u on u.id = rm.user_id
    where (rm.room_id, u.username_lower) in (${sql.join(wanted)}) order by u.username_lower`.execute(tx);
  const byKey = new Map(
    users.rows.map((u) => [pairKey(u.room_id, u.username_lower), { id: u.id, username: u.username }]),
  );
  const values: { message_id: string; room_id: string; seq: number; user_id: string }[] = [];
  for (const { m, names } of named) {
    const list = names.flatMap((n) => {
      const user = byKey.get(pairKey(m.roomId, n));
      return user ? [user] : [];
    });
    const unique = [...new Map(list.map((u) => [u.id, u])).values()];
    if (unique.length === 0) continue;
    found.set(m, unique);
    const row = rows.get(m)!;
    for (const u of unique) values.push({ message_id: row.id, room_id: row.room_id, seq: row.seq, user_id: u.id });
  }
  if (values.length > 0) await tx.insertInto('message_mentions').values(values).execute();
  return found;
}
