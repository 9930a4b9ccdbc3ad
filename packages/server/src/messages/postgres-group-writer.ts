import { sql } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import type { MessageWriter, WriteOutcome } from './message-writer.js';
import { toMessage, type NewMessage } from './messages.store.js';

const MAX_BATCH = 1000;

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * Group commit on PostgreSQL: one batch in flight at a time, and whatever arrives meanwhile
 * forms the next. A batch is five set-based statements and one commit, whatever its size; the
 * rooms it touches are locked in id order, so batches of several instances cannot deadlock.
 * A concurrent repeat from another instance fails the batch on the unique key; its messages
 * are then written one by one by `fallback`.
 */
export function createPostgresGroupWriter(db: Db, fallback: MessageWriter): MessageWriter {
  let queue: Pending[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        const outcomes = await writeBatch(
          db,
          batch.map((p) => p.input),
        );
        batch.forEach((p, i) => p.resolve(outcomes[i]!));
      } catch (error) {
        if (!isUniqueViolation(error)) for (const p of batch) p.reject(error);
        else
          for (const p of batch)
            fallback.write(p.input).then(
              (o) => p.resolve(o),
              (e: unknown) => p.reject(e),
            );
      }
    }
    running = false;
  }

  return {
    write(input) {
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (!running && queue.length === 1) setImmediate(() => void drain());
      });
    },
  };
}

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

    // Decide each message in arrival order; a repeat within the batch answers the first copy.
    const fresh: NewMessage[] = [];
    const firstOfKey = new Map<string, NewMessage>();
    const plan = inputs.map((m) => {
      if (!memberOf.has(pairKey(m.roomId, m.sender.id))) return { kind: 'outsider' as const, m };
      const key = pairKey(m.sender.id, m.clientMsgId);
      const earlier = stored.get(key);
      if (earlier) return { kind: 'stored-before' as const, m, message: earlier };
      const first = firstOfKey.get(key);
      if (first) return { kind: 'repeat-in-batch' as const, m, first };
      firstOfKey.set(key, m);
      fresh.push(m);
      return { kind: 'fresh' as const, m };
    });

    const rows = new Map<NewMessage, MessagesTable>();
    if (fresh.length > 0) {
      const perRoom = new Map<string, number>();
      for (const m of fresh) perRoom.set(m.roomId, (perRoom.get(m.roomId) ?? 0) + 1);
      const roomIds = [...perRoom.keys()].sort();
      await sql`select id from rooms where id in (${sql.join(roomIds)}) order by id for update`.execute(tx);
      const bumped = await sql<{ id: string; last_seq: number }>`
        update rooms set last_seq = rooms.last_seq + v.n
        from (values ${sql.join(roomIds.map((id) => sql`(${id}::text, ${perRoom.get(id)}::int)`))}) as v(id, n)
        where rooms.id = v.id
        returning rooms.id, rooms.last_seq`.execute(tx);
      const nextSeq = new Map(bumped.rows.map((r) => [r.id, Number(r.last_seq) - perRoom.get(r.id)! + 1]));
      for (const m of fresh) {
        const seq = nextSeq.get(m.roomId)!;
        nextSeq.set(m.roomId, seq + 1);
        rows.set(m, {
          id: m.id,
          room_id: m.roomId,
          seq,
          sender_id: m.sender.id,
          sender_username: m.sender.username,
          client_msg_id: m.clientMsgId,
          body: m.body,
          sent_at: m.sentAt.toISOString(),
        });
      }
      await tx
        .insertInto('messages')
        .values([...rows.values()])
        .execute();
    }

    const outsiders = plan.filter((p) => p.kind === 'outsider').map((p) => p.m.roomId);
    const existingRooms = new Set(
      outsiders.length === 0
        ? []
        : (await tx.selectFrom('rooms').select('id').where('id', 'in', outsiders).execute()).map((r) => r.id),
    );
    return plan.map((p): WriteOutcome => {
      switch (p.kind) {
        case 'outsider':
          return existingRooms.has(p.m.roomId) ? { kind: 'not-member' } : { kind: 'no-room' };
        case 'stored-before':
          return { kind: 'repeat', message: p.message };
        case 'repeat-in-batch':
          return { kind: 'repeat', message: toMessage(rows.get(p.first)!) };
        case 'fresh':
          return { kind: 'stored', message: toMessage(rows.get(p.m)!) };
      }
    });
  });
}
