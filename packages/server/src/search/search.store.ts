import type { Message } from '@parley/protocol';
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import type { MessagesTable } from '../db/schema.js';
import { hydrate } from '../messages/messages.store.js';

/** Words of the query, at most this many: each is one more term for the index to intersect. */
const TERMS_MAX = 8;

/** The query's words: letters and digits only, so nothing the user types is search syntax. */
export function searchTerms(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, TERMS_MAX);
}

export interface SearchPage {
  userId: string;
  terms: string[];
  roomId?: string;
  beforeSeq?: number;
  /** Across rooms: the (sentAt, id) of the last result of the previous page. */
  after?: { sentAt: string; id: string };
  limit: number;
}

/** Every term must appear, the last one as a prefix (what the user is still typing). */
function matchClause(database: Database, terms: string[]): RawBuilder<boolean> {
  if (database.kind === 'sqlite') {
    const expression = terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
    return sql<boolean>`m.rowid in (select rowid from message_fts where message_fts match ${expression})`;
  }
  const expression = terms.map((t, i) => `${t}${i === terms.length - 1 ? ':*' : ''}`).join(' & ');
  // The same expression as the index (0031_message_search), so that the index serves it.
  return sql<boolean>`to_tsvector('simple', m.body) @@ to_tsquery('simple', ${expression})`;
}

/** One page of matches, newest first, in the rooms the user belongs to only. */
export async function searchMessages(database: Database, page: SearchPage): Promise<Message[]> {
  const filters: RawBuilder<unknown>[] = [
    matchClause(database, page.terms),
    sql`m.room_id in (select room_id from room_members where user_id = ${page.userId})`,
  ];
  if (page.roomId !== undefined) filters.push(sql`m.room_id = ${page.roomId}`);
  if (page.beforeSeq !== undefined) filters.push(sql`m.seq < ${page.beforeSeq}`);
  if (page.after) {
    filters.push(
      sql`(m.sent_at < ${page.after.sentAt} or (m.sent_at = ${page.after.sentAt} and m.id < ${page.after.id}))`,
    );
  }
  const order = page.roomId !== undefined ? sql`m.seq desc` : sql`m.sent_at desc, m.id desc`;
  const result = await sql<MessagesTable>`select m.* from messages m
    where ${sql.join(filters, sql` and `)} order by ${order} limit ${page.limit}`.execute(database.db);
  // Hydrated like every other read: reactions, replies and mentions come with each result.
  return hydrate(database.db, result.rows);
}
