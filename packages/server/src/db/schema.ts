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
  /** Wave 2: the room's change counter (new messages, edits, deletes, reactions). */
  last_version: number;
  created_by: string;
  created_at: string;
  /** 'public' | 'private' (migration 0040). */
  visibility: string;
  slow_mode_seconds: number;
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
  version: number;
  edited_at: string | null;
  deleted_at: string | null;
  reply_to_id: string | null;
}

/** One user's reaction with one emoji to one message. */
export interface MessageReactionsTable {
  message_id: string;
  room_id: string;
  user_id: string;
  emoji: string;
  created_at: string;
}

/** A member named as @username in a message; `seq` lets unread mention counts be one range scan. */
export interface MessageMentionsTable {
  message_id: string;
  room_id: string;
  seq: number;
  user_id: string;
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

/** A user's answer to a message request from `peer_id` (issue 13): 'accepted' or 'ignored'. */
export interface DmRequestDecisionsTable {
  user_id: string;
  peer_id: string;
  decision: 'accepted' | 'ignored';
  decided_at: string;
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

/** Owners and moderators; a member without a row is a plain member (migration 0040). */
export interface RoomRolesTable {
  room_id: string;
  user_id: string;
  role: string;
}

export interface RoomBansTable {
  room_id: string;
  user_id: string;
  banned_at: string;
}

export interface RoomInvitesTable {
  room_id: string;
  user_id: string;
  invited_by: string;
  invited_at: string;
}

export interface FilesTable {
  id: string;
  uploader_id: string;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  /** 1 when a preview was stored beside the file. */
  has_preview: number;
  created_at: string;
}

/** Which message carries which file: a file belongs to one message at most. */
export interface MessageAttachmentsTable {
  message_id: string;
  file_id: string;
  room_id: string;
  position: number;
}

/** A member's read position in a room (issue 14): it only moves forward. */
export interface RoomReadsTable {
  room_id: string;
  user_id: string;
  seq: number;
}

export interface UserSettingsTable {
  user_id: string;
  /** 1 or 0: portable between SQLite and PostgreSQL. */
  send_read_receipts: number;
}

export interface PushSubscriptionsTable {
  endpoint: string;
  user_id: string;
  p256dh: string;
  auth: string;
  created_at: string;
}

/** Keys the server makes once and keeps (the VAPID key pair). */
export interface ServerKeysTable {
  name: string;
  value: string;
}

export interface Tables {
  room_roles: RoomRolesTable;
  room_bans: RoomBansTable;
  room_invites: RoomInvitesTable;
  files: FilesTable;
  message_attachments: MessageAttachmentsTable;
  invites: InvitesTable;
  buddy_requests: BuddyRequestsTable;
  buddies: BuddiesTable;
  public_keys: PublicKeysTable;
  device_keys: DeviceKeysTable;
  blocks: BlocksTable;
  dm_request_decisions: DmRequestDecisionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  message_mentions: MessageMentionsTable;
  room_reads: RoomReadsTable;
  user_settings: UserSettingsTable;
  push_subscriptions: PushSubscriptionsTable;
  server_keys: ServerKeysTable;
}
