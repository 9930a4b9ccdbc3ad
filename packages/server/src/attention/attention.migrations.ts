import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** Issue 14, read state, search and push: this range (0030_…) belongs to them. */
export const attentionMigrations: Record<string, Migration> = {
  '0030_read_state': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('room_reads')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_reads_pk', ['room_id', 'user_id'])
        .execute();
      // Members from before read state existed start with everything read, not with a wall of unread.
      await sql`insert into room_reads (room_id, user_id, seq)
        select m.room_id, m.user_id, r.last_seq from room_members m join rooms r on r.id = m.room_id`.execute(db);
      await db.schema
        .createTable('user_settings')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('send_read_receipts', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0031_message_search': {
    async up(db: Kysely<unknown>) {
      if (isSqlite(db)) {
        // An external-content FTS5 index kept by triggers, so the message writers stay untouched
        // (since 0085 new messages are indexed once per write batch instead: sqlite-batch.ts).
        // secure-delete: a deleted or emptied message's words are removed from the index's pages,
        // not just marked, so its text does not linger in the file (issue 14, "delete means gone").
        await sql`create virtual table message_fts using fts5(body, content='messages', content_rowid='rowid',
          tokenize='unicode61 remove_diacritics 2')`.execute(db);
        await sql`insert into message_fts(message_fts, rank) values ('secure-delete', 1)`.execute(db);
        await sql`insert into message_fts(message_fts) values ('rebuild')`.execute(db);
        await sql`create trigger message_fts_insert after insert on messages when new.body <> '' begin
          insert into message_fts(rowid, body) values (new.rowid, new.body); end`.execute(db);
        await sql`create trigger message_fts_delete after delete on messages when old.body <> '' begin
          insert into message_fts(message_fts, rowid, body) values ('delete', old.rowid, old.body); end`.execute(db);
        await sql`create trigger message_fts_update after update of body on messages begin
          insert into message_fts(message_fts, rowid, body) select 'delete', old.rowid, old.body where old.body <> '';
          insert into message_fts(rowid, body) select new.rowid, new.body where new.body <> ''; end`.execute(db);
      } else {
        // An expression index: PostgreSQL keeps it with the row, whoever writes the row. 'simple'
        // does no stemming, so it treats every language alike.
        await sql`create index messages_body_search on messages using gin (to_tsvector('simple', body))`.execute(db);
      }
    },
  },
  '0032_push': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('push_subscriptions')
        .addColumn('endpoint', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('push_subscriptions_user').on('push_subscriptions').column('user_id').execute();
      await db.schema
        .createTable('server_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
