import { UNREAD_COUNT_MAX, type ReadReceipt, type ReadState, type Settings } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { readAll, readFirst, writeNow } from '../db/sqlite-statements.js';

interface Position {
  roomId: string;
  readSeq: number;
  lastSeq: number;
  /** Whether the member has a stored read position (a first join has none yet). */
  kept: boolean;
}

/** Read positions of the user's joined rooms (all of them, or those named). */
async function positions(db: Db, userId: string, roomIds?: string[]): Promise<Position[]> {
  if (roomIds?.length === 1) {
    // room:join asks for one room (issue 17: on SQLite, a kept statement).
    const rows = await readAll<{ roomId: string; readSeq: number | null; lastSeq: number }>(
      db,
      'select m.room_id as roomId, rr.seq as readSeq, r.last_seq as lastSeq from room_members as m ' +
        'inner join rooms as r on r.id = m.room_id ' +
        'left join room_reads as rr on rr.room_id = m.room_id and rr.user_id = m.user_id ' +
        'where m.user_id = ? and m.room_id = ?',
      [userId, roomIds[0]],
      () => positionRows(db, userId, roomIds),
    );
    return rows.map(toPosition);
  }
  const rows = await positionRows(db, userId, roomIds);
  return rows.map(toPosition);
}

const toPosition = (r: { roomId: string; readSeq: number | null; lastSeq: number }): Position => ({
  roomId: r.roomId,
  readSeq: Number(r.readSeq ?? 0),
  lastSeq: Number(r.lastSeq),
  kept: r.readSeq !== null,
});

async function positionRows(db: Db, userId: string, roomIds?: string[]) {
  let query = db
    .selectFrom('room_members as m')
    .innerJoin('rooms as r', 'r.id', 'm.room_id')
    .leftJoin('room_reads as rr', (join) =>
      join.onRef('rr.room_id', '=', 'm.room_id').onRef('rr.user_id', '=', 'm.user_id'),
    )
    .select(['m.room_id as roomId', 'rr.seq as readSeq', 'r.last_seq as lastSeq'])
    .where('m.user_id', '=', userId);
  if (roomIds) {
    if (roomIds.length === 0) return [];
    query = query.where('m.room_id', 'in', roomIds);
  }
  return query.execute();
}

const IN_WINDOW_SQL = 'room_id = ? and seq > ? and sender_id <> ?';
const MENTIONS_SQL =
  'select count(*) as n from message_mentions mm join messages msg on msg.id = mm.message_id' +
  ' where mm.user_id = ? and mm.room_id = ? and mm.seq > ? and msg.sender_id <> ?';

/**
 * Unread and mention counts among the room's latest UNREAD_COUNT_MAX messages: a bound on the
 * work one room:list costs, whatever the backlog. Mentions come from `message_mentions`, which
 * the message store keeps right when a message is written, edited or deleted (resolved once,
 * against the room's members), read through its (user_id, room_id, seq) index: no body is read.
 */
async function counts(db: Db, user: { id: string }, p: Position): Promise<ReadState> {
  const base = { roomId: p.roomId, readSeq: p.readSeq, lastSeq: p.lastSeq };
  if (p.lastSeq <= p.readSeq) return { ...base, unreadCount: 0, mentionCount: 0 };
  const from = Math.max(p.readSeq, p.lastSeq - UNREAD_COUNT_MAX);
  // The Kysely forms are built only when used (PostgreSQL, or inside a transaction): building
  // them for every re-join cost more than the kept statements' reads (issue 17).
  const inWindow = () =>
    db.selectFrom('messages').where('room_id', '=', p.roomId).where('seq', '>', from).where('sender_id', '<>', user.id);
  const mentions = () =>
    db
      .selectFrom('message_mentions as mm')
      .innerJoin('messages as msg', 'msg.id', 'mm.message_id')
      .where('mm.user_id', '=', user.id)
      .where('mm.room_id', '=', p.roomId)
      .where('mm.seq', '>', from)
      // Mentioning oneself is no reason to look.
      .where('msg.sender_id', '<>', user.id);
  const [unread, mentioned] = await Promise.all([
    readFirst<{ n: number }>(
      db,
      `select count(*) as n from messages where ${IN_WINDOW_SQL}`,
      [p.roomId, from, user.id],
      () =>
        inWindow()
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirst(),
    ),
    readFirst<{ n: number }>(db, MENTIONS_SQL, [user.id, p.roomId, from, user.id], () =>
      mentions()
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirst(),
    ),
  ]);
  return { ...base, unreadCount: Number(unread?.n ?? 0), mentionCount: Number(mentioned?.n ?? 0) };
}

export async function readStates(db: Db, user: { id: string }, roomIds?: string[]): Promise<ReadState[]> {
  const list = await positions(db, user.id, roomIds);
  return Promise.all(list.map((p) => counts(db, user, p)));
}

/**
 * A member's read state in the room just joined. A new member starts with everything before
 * their arrival read; a re-join (issue 17) finds its position kept: one read, no write.
 */
export async function readStateOnJoin(db: Db, user: { id: string }, roomId: string): Promise<ReadState | undefined> {
  let [position] = await positions(db, user.id, [roomId]);
  if (position && !position.kept) {
    await startReading(db, roomId, user.id);
    [position] = await positions(db, user.id, [roomId]);
  }
  return position && counts(db, user, position);
}

/**
 * Moves the read position forward, never back, and never past the room's last message.
 * Answers the position stored afterwards, and whether it moved.
 */
export async function markRead(
  db: Db,
  roomId: string,
  userId: string,
  seq: number,
): Promise<{ seq: number; moved: boolean }> {
  const room = await db.selectFrom('rooms').select('last_seq').where('id', '=', roomId).executeTakeFirst();
  const target = Math.min(seq, Number(room?.last_seq ?? 0));
  const result = await db
    .insertInto('room_reads')
    .values({ room_id: roomId, user_id: userId, seq: target })
    .onConflict((oc) =>
      oc.columns(['room_id', 'user_id']).doUpdateSet({ seq: target }).where('room_reads.seq', '<', target),
    )
    .executeTakeFirst();
  const moved = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  if (moved) return { seq: target, moved };
  const stored = await db
    .selectFrom('room_reads')
    .select('seq')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return { seq: Number(stored?.seq ?? target), moved };
}

/** A new member starts with everything before their arrival read; an existing position stays. */
export async function startReading(db: Db, roomId: string, userId: string): Promise<void> {
  await writeNow(
    db,
    'insert into room_reads (room_id, user_id, seq) select ?, ?, last_seq from rooms where id = ? ' +
      'on conflict (room_id, user_id) do nothing',
    [roomId, userId, roomId],
    () =>
      sql`insert into room_reads (room_id, user_id, seq)
    select ${roomId}, ${userId}, last_seq from rooms where id = ${roomId}
    on conflict (room_id, user_id) do nothing`.execute(db),
  );
}

/** Leaving forgets the position: coming back later starts at that day's end, not at the old one. */
export async function forgetReading(db: Db, roomId: string, userId: string): Promise<void> {
  await db.deleteFrom('room_reads').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
}

/** How far the other members who send receipts have read. */
const RECEIPTS_SQL =
  'select u.id, u.username, rr.seq from room_reads as rr ' +
  'inner join room_members as m on m.room_id = rr.room_id and m.user_id = rr.user_id ' +
  'inner join users as u on u.id = rr.user_id ' +
  'left join user_settings as s on s.user_id = rr.user_id ' +
  'where rr.room_id = ? and rr.user_id <> ? and (s.send_read_receipts is null or s.send_read_receipts = ?)';

export async function receiptsOf(db: Db, roomId: string, exceptUserId: string): Promise<ReadReceipt[]> {
  const rows = await readAll<{ id: string; username: string; seq: number }>(
    db,
    RECEIPTS_SQL,
    [roomId, exceptUserId, 1],
    () => receiptRows(db, roomId, exceptUserId),
  );
  return rows.map((r) => ({ user: { id: r.id, username: r.username }, seq: Number(r.seq) }));
}

function receiptRows(db: Db, roomId: string, exceptUserId: string) {
  return db
    .selectFrom('room_reads as rr')
    .innerJoin('room_members as m', (join) =>
      join.onRef('m.room_id', '=', 'rr.room_id').onRef('m.user_id', '=', 'rr.user_id'),
    )
    .innerJoin('users as u', 'u.id', 'rr.user_id')
    .leftJoin('user_settings as s', 's.user_id', 'rr.user_id')
    .select(['u.id', 'u.username', 'rr.seq'])
    .where('rr.room_id', '=', roomId)
    .where('rr.user_id', '<>', exceptUserId)
    .where((eb) => eb.or([eb('s.send_read_receipts', 'is', null), eb('s.send_read_receipts', '=', 1)]))
    .execute();
}

export const DEFAULT_SETTINGS: Settings = { sendReadReceipts: true };

export async function findSettings(db: Db, userId: string): Promise<Settings> {
  const row = await db
    .selectFrom('user_settings')
    .select('send_read_receipts')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { sendReadReceipts: Number(row.send_read_receipts) === 1 } : DEFAULT_SETTINGS;
}

export async function saveSettings(db: Db, userId: string, settings: Settings): Promise<void> {
  const value = settings.sendReadReceipts ? 1 : 0;
  await db
    .insertInto('user_settings')
    .values({ user_id: userId, send_read_receipts: value })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ send_read_receipts: value }))
    .execute();
}

export async function memberCountOf(db: Db, roomId: string): Promise<number | undefined> {
  const row = await db.selectFrom('rooms').select('member_count').where('id', '=', roomId).executeTakeFirst();
  return row ? Number(row.member_count) : undefined;
}
