import type { Message } from '@parley/protocol';
import type SQLite from 'better-sqlite3';
import type { Database } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import { isMember } from '../rooms/rooms.store.js';
import { findRoom } from '../rooms/rooms.store.js';
import { insertMessage, toMessage, type NewMessage } from './messages.store.js';
import { createPostgresGroupWriter } from './postgres-group-writer.js';

export type WriteOutcome =
  | { kind: 'stored'; message: Message }
  | { kind: 'repeat'; message: Message }
  | { kind: 'not-member' }
  | { kind: 'no-room' };

/** Checks membership and stores a message; resolves only after its transaction committed. */
export interface MessageWriter {
  write(input: NewMessage): Promise<WriteOutcome>;
}

export function createMessageWriter(database: Database): MessageWriter {
  if (database.sqlite) return createSqliteGroupWriter(database, database.sqlite);
  return createPostgresGroupWriter(database.db, createPerMessageWriter(database));
}

/** One transaction per message: row locks order concurrent writers. The group writers' fallback. */
function createPerMessageWriter({ db }: Database): MessageWriter {
  return {
    async write(input) {
      if (!(await isMember(db, input.roomId, input.sender.id))) {
        return (await findRoom(db, input.roomId)) ? { kind: 'not-member' } : { kind: 'no-room' };
      }
      const { message, created } = await insertMessage(db, input);
      return { kind: created ? 'stored' : 'repeat', message };
    },
  };
}

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit on SQLite: every send that arrives within one turn of the event loop is checked
 * and stored in one synchronous transaction, and each is acknowledged after that commit. One
 * commit per turn instead of per message is what takes the durable path past 10k messages/s.
 * The batch runs while holding Kysely's connection, so it never lands inside another transaction.
 */
function createSqliteGroupWriter(database: Database, sqlite: SQLite.Database): MessageWriter {
  const statements = {
    member: sqlite.prepare<[string, string]>('SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?').pluck(),
    room: sqlite.prepare<[string]>('SELECT 1 FROM rooms WHERE id = ?').pluck(),
    existing: sqlite.prepare<[string, string], MessagesTable>(
      'SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?',
    ),
    nextSeq: sqlite
      .prepare<[string], number>('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq')
      .pluck(),
    undoSeq: sqlite.prepare<[string]>('UPDATE rooms SET last_seq = last_seq - 1 WHERE id = ?'),
    insert: sqlite.prepare<[MessagesTable]>(
      `INSERT INTO messages (id, room_id, seq, sender_id, sender_username, client_msg_id, body, sent_at)
       VALUES (@id, @room_id, @seq, @sender_id, @sender_username, @client_msg_id, @body, @sent_at)
       ON CONFLICT (sender_id, client_msg_id) DO NOTHING`,
    ),
  };

  const writeOne = (input: NewMessage): WriteOutcome => {
    if (statements.member.get(input.roomId, input.sender.id) === undefined) {
      return statements.room.get(input.roomId) === undefined ? { kind: 'no-room' } : { kind: 'not-member' };
    }
    const seq = statements.nextSeq.get(input.roomId);
    if (seq === undefined) return { kind: 'no-room' };
    const row: MessagesTable = {
      id: input.id,
      room_id: input.roomId,
      seq,
      sender_id: input.sender.id,
      sender_username: input.sender.username,
      client_msg_id: input.clientMsgId,
      body: input.body,
      sent_at: input.sentAt.toISOString(),
    };
    // The common case, a new message, costs no look-up for repeats: the unique key answers.
    // A repeat gives its seq back at once; nothing else runs in between (one synchronous
    // transaction), so the room's seqs stay gap-free.
    if (statements.insert.run(row).changes === 0) {
      statements.undoSeq.run(input.roomId);
      const existing = statements.existing.get(input.sender.id, input.clientMsgId);
      if (!existing) throw new Error('message conflicted but is not stored');
      return { kind: 'repeat', message: toMessage(existing) };
    }
    return { kind: 'stored', message: toMessage(row) };
  };
  const writeBatch = sqlite.transaction((batch: Pending[]) => batch.map((p) => writeOne(p.input)));

  let queue: Pending[] = [];
  const flush = async () => {
    const batch = queue;
    queue = [];
    try {
      const outcomes = await database.db.connection().execute(() => Promise.resolve(writeBatch(batch)));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };

  return {
    write(input) {
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (queue.length === 1) setImmediate(() => void flush());
      });
    },
  };
}
