/** Table types for Kysely. Timestamps are ISO-8601 UTC strings on both databases. */
export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  password_hash: string;
  created_at: string;
  /** When the user last went offline; shown to their buddies only. */
  last_seen_at: string | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
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

export interface DeviceKeysTable {
  user_id: string;
  device_id: string;
  public_key: string;
  updated_at: string;
}

export interface BlocksTable {
  user_id: string;
  blocked_id: string;
  created_at: string;
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
  buddy_requests: BuddyRequestsTable;
  buddies: BuddiesTable;
  public_keys: PublicKeysTable;
  device_keys: DeviceKeysTable;
  blocks: BlocksTable;
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
}
