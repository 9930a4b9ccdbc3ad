import type { Kysely, Migration } from 'kysely';

/** Issue 13, private messages across devices: this range (0070_…) belongs to them. */
export const dmMigrations: Record<string, Migration> = {
  '0070_dm_request_decisions': {
    async up(db: Kysely<unknown>) {
      // Who a user accepted or ignored as a message request: metadata (the server already knows
      // who writes to whom), never message content, which stays in memory only.
      await db.schema
        .createTable('dm_request_decisions')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('peer_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dm_request_decisions_pk', ['user_id', 'peer_id'])
        .execute();
    },
  },
};
