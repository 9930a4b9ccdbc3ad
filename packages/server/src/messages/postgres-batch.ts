import type { Message, User } from '@parley/protocol';
import { isUniqueViolation, type Database } from '../db/database.js';
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
 * PostgreSQL's batch: ONE statement per batch, whatever its size, run outside an explicit
 * transaction, so that the statement's own implicit transaction commits it before the answer
 * comes back: one round trip instead of the BEGIN, three look-ups, lock, seq update, insert,
 * mentions and COMMIT of the earlier version (issue 17: 0.57× → see docs/benchmarks.md).
 *
 * The statement takes the batch as arrays (`unnest`), so its text is the same for every batch
 * (the earlier multi-VALUES statements were new text, parsed and planned anew, at every size),
 * and it is prepared once per connection (`preparedQuery`): PostgreSQL parses it once there, and
 * for batches of ten or more keeps one generic plan after five runs instead of planning each.
 * It decides membership, earlier copies and replies for every message, locks the rooms it
 * writes in id order (batches of several instances cannot deadlock), takes each room's next
 * seqs and versions, inserts the messages and their mentions, and answers each message's
 * decision; the answers are turned into outcomes here, in arrival order. A concurrent repeat
 * from another instance fails the statement on the unique key, which writes nothing; its
 * messages are then written as batches of one, where that repeat is answered with the stored
 * message.
 */
export function createPostgresBatch(database: Database): WriteBatch {
  const { db, preparedQuery } = database;
  if (!preparedQuery) throw new Error('the PostgreSQL batch needs a PostgreSQL database');
  const run: PreparedQuery = preparedQuery;
  async function one(input: NewMessage): Promise<WriteOutcome> {
    try {
      const [outcome] = await writeBatch(run, [input]);
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
      return await writeBatch(run, inputs);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return Promise.all(inputs.map(one));
    }
  };
}

type PreparedQuery = NonNullable<Database['preparedQuery']>;

/** The batch statement's name on each connection that has prepared it. */
export const WRITE_BATCH_NAME = 'parley_write_batch';

/** What the statement answers for each message of the batch, in arrival order. */
interface Decision {
  member: boolean;
  /** For an outsider: whether the room exists at all (no-room vs not-member). */
  room_exists: boolean | null;
  /** The copy stored by an earlier batch, when there is one. */
  stored: MessagesTable | null;
  reply_ok: boolean;
  /** Set when this message was inserted. */
  seq: number | null;
  version: number | null;
  parent: ParentRow | null;
  /** The members its `@names` resolved to (name as written, lowercased). */
  mentioned: { name: string; id: string; username: string }[] | null;
}

// `ord` is each message's place in the batch (1-based). A message is fresh when its sender is a
// member, no earlier batch stored its (sender, clientMsgId), its reply (if any) is a live message
// of the same room, and no earlier fresh candidate of this batch has the same key: exactly the
// order of checks the SQLite batch makes one message at a time.
//
// Why it is shaped so: the planner cannot estimate how many messages of a batch are fresh, and
// guessed one, which made it join the batch's rows with its rooms by nested loops over the
// CTEs (a quarter of a million comparisons for 1,000 messages in 500 rooms: 80 % of the
// statement's time). So no step joins two CTEs: freshness is a column, not a filter; the
// rooms are joined through their primary key; the rooms' first seqs and the inserted rows reach
// the later steps as one small map each (jsonb, looked up by key).
const WRITE_BATCH = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    with ordinality as t(id, room_id, sender_id, sender_username, client_msg_id, body, sent_at, reply_to_id, ord)
),
checked as (
  select i.*,
    exists (select 1 from room_members rm where rm.room_id = i.room_id and rm.user_id = i.sender_id) as member,
    (i.reply_to_id is null or exists (select 1 from messages p
      where p.id = i.reply_to_id and p.room_id = i.room_id and p.deleted_at is null)) as reply_ok,
    (select to_json(s) from messages s where s.sender_id = i.sender_id and s.client_msg_id = i.client_msg_id) as stored
  from input i
),
candidates as (
  select c.*, c.member and c.stored is null and c.reply_ok as candidate from checked c
),
first_copies as (
  select c.*, c.candidate and row_number() over (
    partition by c.sender_id, c.client_msg_id, c.candidate order by c.ord) = 1 as fresh
  from candidates c
),
fresh as (
  select f.*, row_number() over (partition by f.room_id, f.fresh order by f.ord) as k from first_copies f
),
counts as (select room_id, count(*)::int as n from fresh where fresh group by room_id),
locked as (
  select r.id, c.n from counts c join rooms r on r.id = c.room_id order by r.id for update of r
),
bumped as (
  update rooms r set last_seq = r.last_seq + l.n, last_version = r.last_version + l.n
  from locked l
  where r.id = l.id
  returning r.id, r.last_seq - l.n as seq0, r.last_version - l.n as version0
),
bases as (
  select coalesce(jsonb_object_agg(id, jsonb_build_array(seq0, version0)), '{}') as at from bumped
),
inserted as (
  insert into messages (id, room_id, seq, sender_id, sender_username, client_msg_id, body, sent_at, version, reply_to_id)
  select f.id, f.room_id, (b.at -> f.room_id ->> 0)::int + f.k, f.sender_id, f.sender_username, f.client_msg_id,
    f.body, f.sent_at, (b.at -> f.room_id ->> 1)::int + f.k, f.reply_to_id
  from fresh f cross join bases b
  where f.fresh
  returning id, room_id, seq, version
),
stamps as (
  select coalesce(jsonb_object_agg(id, jsonb_build_array(seq, version, room_id)), '{}') as of from inserted
),
wanted as (select * from unnest($9::int[], $10::text[]) as w(ord, name)),
mentioned as (
  select w.ord, w.name, u.id as user_id, u.username, ($1::text[])[w.ord] as message_id
  from wanted w
  join users u on u.username_lower = w.name
  join room_members rm on rm.room_id = ($2::text[])[w.ord] and rm.user_id = u.id
),
mention_rows as (
  insert into message_mentions (message_id, room_id, seq, user_id)
  select distinct on (m.message_id, m.user_id) m.message_id, s.of -> m.message_id ->> 2,
    (s.of -> m.message_id ->> 0)::int, m.user_id
  from mentioned m cross join stamps s
  where s.of ? m.message_id
),
mention_lists as (
  select coalesce(jsonb_object_agg(ord, list), '{}') as of from (
    select m.ord, jsonb_agg(jsonb_build_object('name', m.name, 'id', m.user_id, 'username', m.username)) as list
    from mentioned m group by m.ord
  ) l
)
select c.member, c.reply_ok, c.stored,
  (s.of -> c.id ->> 0)::int as seq, (s.of -> c.id ->> 1)::int as version,
  case when not c.member then exists (select 1 from rooms r where r.id = c.room_id) end as room_exists,
  case when c.reply_to_id is not null then (select json_build_object('id', p.id, 'seq', p.seq,
    'sender_id', p.sender_id, 'sender_username', p.sender_username, 'body', p.body)
    from messages p where p.id = c.reply_to_id) end as parent,
  ml.of -> c.ord::text as mentioned
from checked c cross join stamps s cross join mention_lists ml
order by c.ord`;

async function writeBatch(run: PreparedQuery, inputs: NewMessage[]): Promise<WriteOutcome[]> {
  const wanted = inputs.flatMap((m, i) => mentionCandidates(m.body).map((name) => [i + 1, name] as const));
  // Each column one array parameter, sent as its array literal: ten parameters for any batch.
  const column = (pick: (m: NewMessage) => string | null) => textArrayLiteral(inputs.map(pick));
  const rows = await run<Decision>(WRITE_BATCH_NAME, WRITE_BATCH, [
    column((m) => m.id),
    column((m) => m.roomId),
    column((m) => m.sender.id),
    column((m) => m.sender.username),
    column((m) => m.clientMsgId),
    column((m) => m.body),
    column((m) => m.sentAt.toISOString()),
    column((m) => m.replyTo ?? null),
    wanted.map(([ord]) => ord),
    wanted.map(([, name]) => name),
  ]);
  if (rows.length !== inputs.length) throw new Error(`write batch: ${rows.length} answers for ${inputs.length} sends`);
  return toOutcomes(inputs, rows);
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A text[] parameter as PostgreSQL's array literal (each element quoted; NULL for null). pg
 * builds it element by element (two regex replaces and a concatenation each): in the many-rooms
 * profile that was 4-5 % of the server's busy time, 8,000 elements a batch. Here the common
 * column (no null, nothing to escape: ids, names, times) is two native joins and one scan.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  if (values.length === 0) return '{}';
  if (!values.includes(null) && !NEEDS_ESCAPE.test(values.join(''))) return `{"${values.join('","')}"}`;
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(ESCAPED, '\\$&')}"`)).join(',')}}`;
}

/** The statement's decisions as outcomes, in arrival order; a repeat within the batch answers the first copy. */
function toOutcomes(inputs: NewMessage[], decisions: Decision[]): WriteOutcome[] {
  const stamped = new Map<string, Message>();
  return inputs.map((m, i): WriteOutcome => {
    const d = decisions[i]!;
    if (!d.member) return d.room_exists ? { kind: 'not-member' } : { kind: 'no-room' };
    if (d.stored) return { kind: 'repeat', message: toMessage(d.stored) };
    const key = pairKey(m.sender.id, m.clientMsgId);
    const first = stamped.get(key);
    if (first) return { kind: 'repeat', message: first };
    if (!d.reply_ok) return { kind: 'no-reply' };
    if (d.seq === null || d.version === null) throw new Error('write batch: a fresh message was not inserted');
    const message = toMessage(toRow(m, Number(d.seq), Number(d.version)), {
      mentions: mentionsInOrder(m.body, d.mentioned ?? []),
      replyTo: d.parent ? toReplyRef(d.parent) : undefined,
    });
    stamped.set(key, message);
    return { kind: 'stored', message };
  });
}

/** The mentioned members in the order the body names them, each once. */
function mentionsInOrder(body: string, found: { name: string; id: string; username: string }[]): User[] | undefined {
  if (found.length === 0) return undefined;
  const byName = new Map(found.map((f) => [f.name, { id: f.id, username: f.username }]));
  const list = mentionCandidates(body).flatMap((name) => {
    const user = byName.get(name);
    return user ? [user] : [];
  });
  return [...new Map(list.map((u) => [u.id, u])).values()];
}
