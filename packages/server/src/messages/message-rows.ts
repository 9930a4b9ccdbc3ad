import {
  MENTIONS_MAX,
  REPLY_EXCERPT_MAX,
  type Message,
  type Reaction,
  type ReplyRef,
  type User,
} from '@parley/protocol';
import type { MessagesTable } from '../db/schema.js';

/*
 * The one place a message row becomes a protocol Message, and the contract both batch writers
 * (SQLite, PostgreSQL) implement. DESIGN.md, "One message store".
 */

export interface NewMessage {
  id: string;
  roomId: string;
  sender: User;
  clientMsgId: string;
  body: string;
  sentAt: Date;
  /** The message this one answers; it must be a live message of the same room. */
  replyTo?: string;
}

export type WriteOutcome =
  | { kind: 'stored'; message: Message }
  | { kind: 'repeat'; message: Message }
  | { kind: 'not-member' }
  | { kind: 'no-room' }
  | { kind: 'no-reply' };

/**
 * Decides and stores a batch of sends in one transaction, in arrival order: membership, the
 * room's next seq and version, idempotence on (sender, clientMsgId), reply and mentions. Resolves
 * only after the commit; outcome i answers input i.
 */
export type WriteBatch = (inputs: NewMessage[]) => Promise<WriteOutcome[]>;

/** What a row alone does not tell: read from other tables, or resolved while writing. */
export interface MessageExtras {
  replyTo?: ReplyRef | undefined;
  mentions?: User[] | undefined;
  reactions?: Reaction[] | undefined;
}

export function toRow(input: NewMessage, seq: number, version: number): MessagesTable {
  return {
    id: input.id,
    room_id: input.roomId,
    seq,
    sender_id: input.sender.id,
    sender_username: input.sender.username,
    client_msg_id: input.clientMsgId,
    body: input.body,
    sent_at: input.sentAt.toISOString(),
    version,
    edited_at: null,
    deleted_at: null,
    reply_to_id: input.replyTo ?? null,
  };
}

export function toMessage(row: MessagesTable, extras: MessageExtras = {}): Message {
  const message: Message = {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    clientMsgId: row.client_msg_id,
    sender: { id: row.sender_id, username: row.sender_username },
    body: row.body,
    sentAt: row.sent_at,
    version: Number(row.version),
    reactions: extras.reactions ?? [],
  };
  if (row.edited_at !== null) message.editedAt = row.edited_at;
  if (row.deleted_at !== null) message.deletedAt = row.deleted_at;
  if (extras.replyTo) message.replyTo = extras.replyTo;
  if (extras.mentions && extras.mentions.length > 0) message.mentions = extras.mentions;
  return message;
}

export type ParentRow = Pick<MessagesTable, 'id' | 'seq' | 'sender_id' | 'sender_username' | 'body'>;

/** A reply's view of the message it answers: its current text cut short ('' once deleted). */
export function toReplyRef(parent: ParentRow): ReplyRef {
  const chars = [...parent.body];
  const excerpt = chars.length > REPLY_EXCERPT_MAX ? `${chars.slice(0, REPLY_EXCERPT_MAX - 1).join('')}…` : parent.body;
  return {
    id: parent.id,
    seq: Number(parent.seq),
    sender: { id: parent.sender_id, username: parent.sender_username },
    excerpt,
  };
}

const MENTION = /(?:^|[^\w@])@([a-zA-Z0-9_.-]{3,32})/g;

/**
 * The lowercase usernames a body names as `@username` (at most MENTIONS_MAX). A name followed
 * by a full stop is also tried without it ("thanks @bob."). Only names of the room's members
 * become mentions; the writer resolves them.
 */
export function mentionCandidates(body: string): string[] {
  if (!body.includes('@')) return [];
  const names = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    const name = (match[1] ?? '').toLowerCase();
    names.add(name);
    const trimmed = name.replace(/\.+$/, '');
    if (trimmed.length >= 3) names.add(trimmed);
    if (names.size >= MENTIONS_MAX) break;
  }
  return [...names];
}
