import type { User } from '@parley/protocol';
import type SQLite from 'better-sqlite3';
import type { Database } from '../db/database.js';
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

/**
 * SQLite's batch: every send of the batch is checked and stored in one synchronous transaction
 * on prepared statements. It runs while holding Kysely's connection, so it never lands inside
 * another transaction (an edit's, say).
 */
export function createSqliteBatch(database: Database, sqlite: SQLite.Database): WriteBatch {
  const statements = {
    member: sqlite.prepare<[string, string]>('SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?').pluck(),
    room: sqlite.prepare<[string]>('SELECT 1 FROM rooms WHERE id = ?').pluck(),
    existing: sqlite.prepare<[string, string], MessagesTable>(
      'SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?',
    ),
    next: sqlite.prepare<[string], { last_seq: number; last_version: number }>(
      `UPDATE rooms SET last_seq = last_seq + 1, last_version = last_version + 1 WHERE id = ?
       RETURNING last_seq, last_version`,
    ),
    undo: sqlite.prepare<[string]>(
      'UPDATE rooms SET last_seq = last_seq - 1, last_version = last_version - 1 WHERE id = ?',
    ),
    insert: sqlite.prepare<[MessagesTable]>(
      `INSERT INTO messages (id, room_id, seq, sender_id, sender_username, client_msg_id, body, sent_at,
         version, edited_at, deleted_at, reply_to_id)
       VALUES (@id, @room_id, @seq, @sender_id, @sender_username, @client_msg_id, @body, @sent_at,
         @version, @edited_at, @deleted_at, @reply_to_id)
       ON CONFLICT (sender_id, client_msg_id) DO NOTHING`,
    ),
    parent: sqlite.prepare<[string, string], ParentRow>(
      `SELECT id, seq, sender_id, sender_username, body FROM messages
       WHERE id = ? AND room_id = ? AND deleted_at IS NULL`,
    ),
    named: sqlite.prepare<[string, string], User>(
      `SELECT u.id, u.username FROM room_members m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ? AND u.username_lower IN (SELECT value FROM json_each(?)) ORDER BY u.username_lower`,
    ),
    mention: sqlite.prepare<[string, string, number, string]>(
      'INSERT INTO message_mentions (message_id, room_id, seq, user_id) VALUES (?, ?, ?, ?)',
    ),
    // The batch's new rows enter the search index in one statement (migration 0085 dropped the
    // per-row trigger): rows first..last of the table are exactly this transaction's inserts.
    searchIndex: sqlite.prepare<[number | bigint, number | bigint]>(
      `INSERT INTO message_fts (rowid, body) SELECT rowid, body FROM messages
       WHERE rowid BETWEEN ? AND ? AND body <> ''`,
    ),
  };
  // The rowids this batch inserted (SQLite gives each new row the next one).
  const inserted: { first?: number | bigint; last?: number | bigint } = {};
  const writeOne = (input: NewMessage): WriteOutcome => {
    if (statements.member.get(input.roomId, input.sender.id) === undefined) {
      return statements.room.get(input.roomId) === undefined ? { kind: 'no-room' } : { kind: 'not-member' };
    }
    const parent = input.replyTo === undefined ? undefined : statements.parent.get(input.replyTo, input.roomId);
    if (input.replyTo !== undefined && !parent) return { kind: 'no-reply' };
    const next = statements.next.get(input.roomId);
    if (next === undefined) return { kind: 'no-room' };
    const row = toRow(input, next.last_seq, next.last_version);
    // The common case, a new message, costs no look-up for repeats: the unique key answers.
    // A repeat gives its seq and version back at once; nothing else runs in between (one
    // synchronous transaction), so the room's seqs stay gap-free.
    const result = statements.insert.run(row);
    if (result.changes === 0) {
      statements.undo.run(input.roomId);
      const existing = statements.existing.get(input.sender.id, input.clientMsgId);
      if (!existing) throw new Error('message conflicted but is not stored');
      return { kind: 'repeat', message: toMessage(existing) };
    }
    inserted.first ??= result.lastInsertRowid;
    inserted.last = result.lastInsertRowid;
    const names = mentionCandidates(input.body);
    const mentions = names.length === 0 ? [] : statements.named.all(input.roomId, JSON.stringify(names));
    for (const user of mentions) statements.mention.run(row.id, row.room_id, row.seq, user.id);
    return { kind: 'stored', message: toMessage(row, { mentions, replyTo: parent && toReplyRef(parent) }) };
  };
  const inTransaction = sqlite.transaction((inputs: NewMessage[]) => {
    inserted.first = inserted.last = undefined;
    const outcomes = inputs.map(writeOne);
    if (inserted.first !== undefined && inserted.last !== undefined) {
      statements.searchIndex.run(inserted.first, inserted.last);
    }
    return outcomes;
  });
  return (inputs) => database.db.connection().execute(() => Promise.resolve(inTransaction(inputs)));
}
