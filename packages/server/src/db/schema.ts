import type { ColumnType } from 'kysely';

/** Table types for Kysely. Timestamps are ISO-8601 UTC strings on both databases. */
export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  password_hash: string;
  created_at: string;
  /** When the user last went offline; shown to their buddies only. */
  last_seen_at: string | null;
  /** 1 for an administrator (0050). */
  is_admin: ColumnType<number, number | undefined, number>;
  /** Set when an administrator disabled the account (0050): it can no longer sign in. */
  disabled_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** A random id shown to the user (0051); never derived from the token. */
  id: string;
  user_agent: ColumnType<string, string | undefined, string>;
  address: ColumnType<string, string | undefined, string>;
  last_seen_at: string | null;
}

export interface InvitesTable {
  code_hash: string;
  max_uses: number;
  uses: number;
  created_by: string | null;
  created_at: string;
  expires_at: string;
}

export interface RoomsTable {
  id: string;
  name: string;
  name_lower: string;
  topic: string;
  capacity: number;
  member_count: number;
  last_seq: number;
  created_by: string;
  created_at: string;
}

export interface RoomMembersTable {
  room_id: string;
  user_id: string;
  joined_at: string;
}

export interface MessagesTable {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string;
  sender_username: string;
  client_msg_id: string;
  body: string;
  sent_at: string;
}

export interface PublicKeysTable {
  user_id: string;
  public_key: string;
  updated_at: string;
}

export interface BuddyRequestsTable {
  from_id: string;
  to_id: string;
  created_at: string;
}

export interface BuddiesTable {
  user_id: string;
  buddy_id: string;
  since: string;
}

export interface Tables {
  invites: InvitesTable;
  buddy_requests: BuddyRequestsTable;
  buddies: BuddiesTable;
  public_keys: PublicKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
}
