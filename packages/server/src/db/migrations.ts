import { randomUUID } from 'node:crypto';
import { Migrator, sql, SqliteAdapter, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { attentionMigrations } from '../attention/attention.migrations.js';
import { dmMigrations } from '../dms/dms.migrations.js';

/** Migrations in code, portable between SQLite and PostgreSQL; each runs once, in name order. */
const migrations: Record<string, Migration> = {
  '0001_accounts_rooms_messages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lower', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull().unique())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .addColumn('member_count', 'integer', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('room_members')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'user_id'])
        .execute();
      await db.schema.createIndex('room_members_user').on('room_members').column('user_id').execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('sender_username', 'text', (c) => c.notNull())
        .addColumn('client_msg_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('messages_room_seq', ['room_id', 'seq'])
        .addUniqueConstraint('messages_sender_client_msg', ['sender_id', 'client_msg_id'])
        .execute();
    },
  },
  '0002_public_keys': {
    async up(db: Kysely<unknown>) {
      // Public keys only: private messages themselves never reach the database.
      await db.schema
        .createTable('public_keys')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_buddies': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('buddy_requests')
        .addColumn('from_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('to_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('buddy_requests_pk', ['from_id', 'to_id'])
        .execute();
      await db.schema.createIndex('buddy_requests_to').on('buddy_requests').column('to_id').execute();
      // One row per direction, so "my buddies" is one indexed lookup.
      await db.schema
        .createTable('buddies')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('buddy_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('since', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('buddies_pk', ['user_id', 'buddy_id'])
        .execute();
      await db.schema.alterTable('users').addColumn('last_seen_at', 'text').execute();
    },
  },
  '0020_message_changes': {
    async up(db: Kysely<unknown>) {
      // Issue 14: every change in a room takes its next version; existing messages start at their seq.
      await db.schema
        .alterTable('rooms')
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update rooms set last_version = last_seq`.execute(db);
      for (const [name, type] of [
        ['version', 'integer'],
        ['edited_at', 'text'],
        ['deleted_at', 'text'],
        ['reply_to_id', 'text'],
      ] as const) {
        await db.schema
          .alterTable('messages')
          .addColumn(name, type, (c) => (name === 'version' ? c.notNull().defaultTo(0) : c))
          .execute();
      }
      await sql`update messages set version = seq`.execute(db);
      // room:join { sinceVersion } reads a room's changed messages by version.
      await db.schema.createIndex('messages_room_version').on('messages').columns(['room_id', 'version']).execute();
      await db.schema
        .createTable('message_reactions')
        .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('emoji', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'emoji', 'user_id'])
        .execute();
      await db.schema
        .createTable('message_mentions')
        .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('message_mentions_pk', ['message_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('message_mentions_user_room')
        .on('message_mentions')
        .columns(['user_id', 'room_id', 'seq'])
        .execute();
    },
  },
  '0040_room_roles_private_rooms_files': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('rooms')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('public'))
        .execute();
      await db.schema
        .alterTable('rooms')
        .addColumn('slow_mode_seconds', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('room_roles')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('room_roles_pk', ['room_id', 'user_id'])
        .execute();
      // Rooms made before roles existed are owned by their creator.
      await sql`insert into room_roles (room_id, user_id, role) select id, created_by, 'owner' from rooms`.execute(db);
      for (const table of ['room_bans', 'room_invites'] as const) {
        let create = db.schema
          .createTable(table)
          .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'));
        create =
          table === 'room_bans'
            ? create.addColumn('banned_at', 'text', (c) => c.notNull())
            : create
                .addColumn('invited_by', 'text', (c) => c.notNull())
                .addColumn('invited_at', 'text', (c) => c.notNull());
        await create.addPrimaryKeyConstraint(`${table}_pk`, ['room_id', 'user_id']).execute();
      }
      await db.schema.createIndex('room_invites_user').on('room_invites').column('user_id').execute();
      await db.schema
        .createTable('files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('uploader_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('has_preview', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('message_attachments')
        .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('file_id', 'text', (c) => c.notNull().unique().references('files.id').onDelete('cascade'))
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_attachments_pk', ['message_id', 'file_id'])
        .execute();
      await db.schema.createIndex('message_attachments_room').on('message_attachments').column('room_id').execute();
    },
  },
  ...attentionMigrations,
  ...dmMigrations,
  '0010_device_keys': {
    async up(db: Kysely<unknown>) {
      // One public key per device (browser) of a user; public_keys keeps the newest, for old clients.
      await db.schema
        .createTable('device_keys')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('device_keys_pk', ['user_id', 'device_id'])
        .execute();
    },
  },
  '0011_blocks': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('blocks')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('blocked_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['user_id', 'blocked_id'])
        .execute();
      await db.schema.createIndex('blocks_blocked').on('blocks').column('blocked_id').execute();
    },
  },
  '0050_admin_invites': {
    async up(db: Kysely<unknown>) {
      // Issue 16: administrators, disabled accounts, invite codes. Only a hash of each code is
      // kept, like session tokens: a copy of the database hands out no invitations.
      await db.schema
        .alterTable('users')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();
      await db.schema
        .createTable('invites')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('max_uses', 'integer', (c) => c.notNull())
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0051_session_details': {
    async up(db: Kysely<unknown>) {
      // Issue 16: sessions a user can list and end. `id` is random, so the list shows nothing
      // derived from the token; existing sessions get one here.
      await db.schema.alterTable('sessions').addColumn('id', 'text').execute();
      await db.schema
        .alterTable('sessions')
        .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('sessions')
        .addColumn('address', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
      const sessions = db as unknown as Kysely<{ sessions: { token_hash: string; id: string | null } }>;
      const rows = await sessions.selectFrom('sessions').select('token_hash').execute();
      for (const row of rows) {
        await sessions
          .updateTable('sessions')
          .set({ id: randomUUID() })
          .where('token_hash', '=', row.token_hash)
          .execute();
      }
      await db.schema.createIndex('sessions_id').on('sessions').column('id').unique().execute();
    },
  },
  '0085_message_search_per_batch': {
    async up(db: Kysely<unknown>) {
      // SQLite: a new message enters the search index once per write batch, in the batch's own
      // transaction (messages/sqlite-batch.ts), instead of by a trigger per row: the trigger
      // doubled the server's CPU per stored message (about 48 against 24 µs at store level).
      // The only writer of new messages is that batch; edits and deletes keep their triggers.
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        await sql`drop trigger if exists message_fts_insert`.execute(db);
      }
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}`, {
      cause: error,
    });
  }
}
