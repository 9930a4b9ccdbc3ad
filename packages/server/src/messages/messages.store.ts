import {
  REACTION_USERS_SHOWN,
  REACTIONS_PER_MESSAGE_MAX,
  type Message,
  type Reaction,
  type ReplyRef,
  type User,
} from '@parley/protocol';
import type { Database, Db } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import { readAll, readFirst } from '../db/sqlite-statements.js';
import { mentionCandidates, toMessage, toReplyRef, type NewMessage, type WriteOutcome } from './message-rows.js';
import { createPostgresBatch } from './postgres-batch.js';
import { createSqliteBatch } from './sqlite-batch.js';
import { createWriteQueue } from './write-queue.js';

/*
 * The one message store: sends go through the group-commit queue into the database's batch
 * writer; edits, deletes and reactions are transactions that take the room's next version;
 * reads add reactions, mentions and reply excerpts to the rows. Both databases share all of it
 * but the batch (sqlite-batch.ts, postgres-batch.ts).
 */

export interface MessageStore {
  /** Checks membership and stores a message; resolves only after its transaction committed. */
  write(input: NewMessage): Promise<WriteOutcome>;
}

export function createMessageStore(database: Database): MessageStore {
  const batch = database.sqlite ? createSqliteBatch(database, database.sqlite) : createPostgresBatch(database);
  // PostgreSQL: one lane's batch runs while the other's commits or is answered (write-queue.ts).
  // SQLite has one writer, on this thread.
  const enqueue = createWriteQueue(batch, database.sqlite ? {} : { lanes: 2, answerAfterNextBatch: true });
  return {
    async write(input) {
      const outcome = await enqueue(input);
      // A repeat (rare) is answered as the message stands now: reactions, mentions and reply.
      if (outcome.kind !== 'repeat') return outcome;
      const [current] = await hydrate(database.db, [await findRowOrThrow(database.db, outcome.message.id)]);
      return { kind: 'repeat', message: current! };
    },
  };
}

export async function findRow(db: Db, messageId: string): Promise<MessagesTable | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
}

async function findRowOrThrow(db: Db, messageId: string): Promise<MessagesTable> {
  const row = await findRow(db, messageId);
  if (!row) throw new Error('message vanished');
  return row;
}

/** Rows as protocol Messages: one statement each for reactions, mentions and replied-to messages. */
export async function hydrate(db: Db, rows: MessagesTable[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const parentIds = [...new Set(rows.flatMap((r) => (r.reply_to_id === null ? [] : [r.reply_to_id])))];
  const list = placeholders(ids.length);
  const [reactions, mentions, parents] = await Promise.all([
    readAll<{ message_id: string; emoji: string; id: string; username: string }>(
      db,
      'select r.message_id, r.emoji, u.id, u.username from message_reactions as r inner join users as u on u.id = r.user_id ' +
        `where r.message_id in (${list}) order by r.created_at, u.username_lower`,
      ids,
      () =>
        db
          .selectFrom('message_reactions as r')
          .innerJoin('users as u', 'u.id', 'r.user_id')
          .select(['r.message_id', 'r.emoji', 'u.id', 'u.username'])
          .where('r.message_id', 'in', ids)
          .orderBy('r.created_at')
          .orderBy('u.username_lower')
          .execute(),
    ),
    readAll<{ message_id: string; id: string; username: string }>(
      db,
      'select m.message_id, u.id, u.username from message_mentions as m inner join users as u on u.id = m.user_id ' +
        `where m.message_id in (${list}) order by u.username_lower`,
      ids,
      () =>
        db
          .selectFrom('message_mentions as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select(['m.message_id', 'u.id', 'u.username'])
          .where('m.message_id', 'in', ids)
          .orderBy('u.username_lower')
          .execute(),
    ),
    parentIds.length === 0
      ? Promise.resolve([])
      : readAll<Pick<MessagesTable, 'id' | 'seq' | 'sender_id' | 'sender_username' | 'body'>>(
          db,
          `select id, seq, sender_id, sender_username, body from messages where id in (${placeholders(parentIds.length)})`,
          parentIds,
          () =>
            db
              .selectFrom('messages')
              .select(['id', 'seq', 'sender_id', 'sender_username', 'body'])
              .where('id', 'in', parentIds)
              .execute(),
        ),
  ]);
  const reactionsOf = groupReactions(reactions);
  const mentionsOf = new Map<string, User[]>();
  for (const m of mentions) {
    const list = mentionsOf.get(m.message_id) ?? [];
    list.push({ id: m.id, username: m.username });
    mentionsOf.set(m.message_id, list);
  }
  const replyOf = new Map<string, ReplyRef>(parents.map((p) => [p.id, toReplyRef(p)]));
  return rows.map((row) =>
    toMessage(row, {
      reactions: reactionsOf.get(row.id),
      mentions: mentionsOf.get(row.id),
      replyTo: row.reply_to_id === null ? undefined : replyOf.get(row.reply_to_id),
    }),
  );
}

/** Reactions in the order their emoji was first used; each lists at most REACTION_USERS_SHOWN users. */
function groupReactions(rows: { message_id: string; emoji: string; id: string; username: string }[]) {
  const byMessage = new Map<string, Map<string, Reaction>>();
  for (const r of rows) {
    let emojis = byMessage.get(r.message_id);
    if (!emojis) byMessage.set(r.message_id, (emojis = new Map<string, Reaction>()));
    let reaction = emojis.get(r.emoji);
    if (!reaction) emojis.set(r.emoji, (reaction = { emoji: r.emoji, count: 0, users: [] }));
    reaction.count += 1;
    if (reaction.users.length < REACTION_USERS_SHOWN) reaction.users.push({ id: r.id, username: r.username });
  }
  return new Map([...byMessage].map(([id, emojis]) => [id, [...emojis.values()]]));
}

/** Up to `limit` messages with seq > afterSeq, ascending. */
/** `?, ?, …`: the parameters of an `in (…)` list (one kept statement per length). */
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

export async function listAfter(db: Db, roomId: string, afterSeq: number, limit: number): Promise<Message[]> {
  // Every re-join's catch-up: on SQLite a kept statement (issue 17).
  const rows = await readAll<MessagesTable>(
    db,
    'select * from messages where room_id = ? and seq > ? order by seq asc limit ?',
    [roomId, afterSeq, limit],
    () =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('room_id', '=', roomId)
        .where('seq', '>', afterSeq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute(),
  );
  return hydrate(db, rows);
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
  return hydrate(db, rows.reverse());
}

/** Up to `limit` messages at or below atMostSeq whose version is above sinceVersion, by version. */
export async function listChanged(
  db: Db,
  roomId: string,
  atMostSeq: number,
  sinceVersion: number,
  limit: number,
): Promise<Message[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('version', '>', sinceVersion)
    .where('seq', '<=', atMostSeq)
    .orderBy('version', 'asc')
    .limit(limit)
    .execute();
  return hydrate(db, rows);
}

/**
 * The room's last seq and version. Every change of the room's messages (a send, an edit, a
 * delete, a reaction) moves one of them in the same transaction: equal figures, same messages.
 */
export async function roomState(db: Db, roomId: string): Promise<{ lastSeq: number; lastVersion: number }> {
  const row = await readFirst<{ last_seq: number | string; last_version: number | string }>(
    db,
    'select last_seq, last_version from rooms where id = ?',
    [roomId],
    () => db.selectFrom('rooms').select(['last_seq', 'last_version']).where('id', '=', roomId).executeTakeFirst(),
  );
  return { lastSeq: Number(row?.last_seq ?? 0), lastVersion: Number(row?.last_version ?? 0) };
}

export async function roomVersion(db: Db, roomId: string): Promise<number> {
  const row = await readFirst<{ last_version: number | string }>(
    db,
    'select last_version from rooms where id = ?',
    [roomId],
    () => db.selectFrom('rooms').select('last_version').where('id', '=', roomId).executeTakeFirst(),
  );
  return Number(row?.last_version ?? 0);
}

/** Why a change was not made; the service turns each into its error code. */
export class ChangeRefused extends Error {
  constructor(readonly reason: 'deleted' | 'too-many-reactions') {
    super(reason);
  }
}
class Unchanged extends Error {}

/**
 * Runs `change` in a transaction that first takes the room's next version, which also locks the
 * room's row on PostgreSQL: changes of one room commit in version order. `change` returns false
 * when there was nothing to change (an idempotent repeat): the version is then given back.
 * Answers the message as it stands after the transaction, and whether it changed.
 */
async function changeMessage(
  db: Db,
  target: MessagesTable,
  change: (tx: Db, version: number) => Promise<boolean>,
): Promise<{ message: Message; changed: boolean }> {
  try {
    const message = await db.transaction().execute(async (tx) => {
      const room = await tx
        .updateTable('rooms')
        .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
        .where('id', '=', target.room_id)
        .returning('last_version')
        .executeTakeFirstOrThrow();
      if (!(await change(tx, Number(room.last_version)))) throw new Unchanged();
      // Read inside the transaction: the message exactly as this version left it. Read after the
      // commit, a later change could already show, or a slower read publish an older state last.
      const [read] = await hydrate(tx, [await findRowOrThrow(tx, target.id)]);
      return read!;
    });
    return { message, changed: true };
  } catch (error) {
    if (!(error instanceof Unchanged)) throw error;
  }
  const [message] = await hydrate(db, [await findRowOrThrow(db, target.id)]);
  return { message: message!, changed: false };
}

async function storeMentions(tx: Db, row: MessagesTable, body: string): Promise<void> {
  await tx.deleteFrom('message_mentions').where('message_id', '=', row.id).execute();
  const names = mentionCandidates(body);
  if (names.length === 0) return;
  const users = await tx
    .selectFrom('room_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.id')
    .where('m.room_id', '=', row.room_id)
    .where('u.username_lower', 'in', names)
    .execute();
  if (users.length === 0) return;
  await tx
    .insertInto('message_mentions')
    .values(users.map((u) => ({ message_id: row.id, room_id: row.room_id, seq: Number(row.seq), user_id: u.id })))
    .execute();
}

/** Replaces the body; the old text is overwritten, not kept. Throws ChangeRefused('deleted'). */
export function editMessage(db: Db, target: MessagesTable, body: string, at: Date) {
  return changeMessage(db, target, async (tx, version) => {
    const updated = await tx
      .updateTable('messages')
      .set({ body, edited_at: at.toISOString(), version })
      .where('id', '=', target.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new ChangeRefused('deleted');
    await storeMentions(tx, target, body);
    return true;
  });
}

/** Empties the body and removes reactions and mentions. A second delete changes nothing. */
export function deleteMessage(db: Db, target: MessagesTable, at: Date) {
  return changeMessage(db, target, async (tx, version) => {
    const updated = await tx
      .updateTable('messages')
      .set({ body: '', edited_at: null, deleted_at: at.toISOString(), version })
      .where('id', '=', target.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await tx.deleteFrom('message_reactions').where('message_id', '=', target.id).execute();
    await tx.deleteFrom('message_mentions').where('message_id', '=', target.id).execute();
    return true;
  });
}

/** Sets or clears one user's reaction; setting what is set (or clearing what is not) changes nothing. */
export function setReaction(
  db: Db,
  target: MessagesTable,
  reaction: { userId: string; emoji: string; on: boolean },
  at: Date,
) {
  return changeMessage(db, target, async (tx, version) => {
    const live = await tx
      .selectFrom('messages')
      .select('id')
      .where('id', '=', target.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!live) throw new ChangeRefused('deleted');
    const mine = tx
      .selectFrom('message_reactions')
      .select('emoji')
      .where('message_id', '=', target.id)
      .where('user_id', '=', reaction.userId)
      .where('emoji', '=', reaction.emoji);
    const present = (await mine.executeTakeFirst()) !== undefined;
    if (present === reaction.on) return false;
    if (reaction.on) {
      await assertRoomForEmoji(tx, target.id, reaction.emoji);
      await tx
        .insertInto('message_reactions')
        .values({
          message_id: target.id,
          room_id: target.room_id,
          user_id: reaction.userId,
          emoji: reaction.emoji,
          created_at: at.toISOString(),
        })
        .execute();
    } else {
      await tx
        .deleteFrom('message_reactions')
        .where('message_id', '=', target.id)
        .where('user_id', '=', reaction.userId)
        .where('emoji', '=', reaction.emoji)
        .execute();
    }
    await tx.updateTable('messages').set({ version }).where('id', '=', target.id).execute();
    return true;
  });
}

/** A message carries at most REACTIONS_PER_MESSAGE_MAX different emojis. */
async function assertRoomForEmoji(tx: Db, messageId: string, emoji: string): Promise<void> {
  const emojis = await tx
    .selectFrom('message_reactions')
    .select('emoji')
    .distinct()
    .where('message_id', '=', messageId)
    .execute();
  if (emojis.length >= REACTIONS_PER_MESSAGE_MAX && !emojis.some((e) => e.emoji === emoji)) {
    throw new ChangeRefused('too-many-reactions');
  }
}
