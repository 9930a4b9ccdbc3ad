import { z } from 'zod';
import { Message, Room, User } from './entities.js';
import { RoomRole } from './room-admin.js';
import type { RequestName, RequestResults, ServerEventName, ServerEventPayloads } from './events.js';

/**
 * Zod schemas of what the server sends: each request's ok result and each server event's
 * payload. Both maps are complete by type (a request or server event without a schema does not
 * compile), and each schema must match its interface in events.ts exactly: same fields, same
 * optionality, same unions (checked below, so a schema that drifts does not compile). They feed
 * the machine-readable reference (docs/protocol.schema.json, made by `npm run protocol:schema`).
 */
// z.object({}) infers Record<string, never>; the interfaces say Record<never, never> (no fields).
const Empty: z.ZodType<Record<never, never>> = z.object({});
const Seq = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();
const PresenceStatus = z.enum(['online', 'away', 'offline']);
const Member = User.extend({ role: RoomRole });
const Settings = z.object({ sendReadReceipts: z.boolean() });
const ReadState = z.object({
  roomId: z.string(),
  readSeq: Seq,
  lastSeq: Seq,
  unreadCount: Count,
  mentionCount: Count,
});
const ReadReceipt = z.object({ user: User, seq: Seq });
const DeviceKey = z.object({ deviceId: z.string(), publicKey: z.string(), updatedAt: z.string() });
const CallSignalKind = z.enum(['offer', 'answer', 'candidate', 'hangup', 'reject']);
const CallStatusKind = z.enum(['answered-elsewhere', 'declined-elsewhere', 'busy', 'missed', 'no-answer', 'peer-left']);

const results = {
  'room:create': z.object({ room: Room }),
  'room:list': z.object({
    rooms: z.array(Room),
    joinedRoomIds: z.array(z.string()),
    nextCursor: z.string().optional(),
    readStates: z.array(ReadState).optional(),
  }),
  'room:join': z.object({
    room: Room,
    members: z.array(Member),
    messages: z.array(Message),
    hasMore: z.boolean().optional(),
    changed: z.array(Message).optional(),
    changedHasMore: z.boolean().optional(),
    version: Seq.optional(),
    readState: ReadState.optional(),
    receipts: z.array(ReadReceipt).optional(),
  }),
  'room:leave': Empty,
  'room:history': z.object({ messages: z.array(Message), hasMore: z.boolean() }),
  'message:send': z.object({ message: Message }),
  'message:edit': z.object({ message: Message }),
  'message:delete': z.object({ message: Message }),
  'reaction:set': z.object({ message: Message }),
  'dm:send': z.object({
    id: z.string(),
    status: z.enum(['delivered', 'queued']),
    missingDevices: Count.optional(),
  }),
  'dm:ack': Empty,
  'keys:publish': Empty,
  'keys:get': z.object({ publicKey: z.string(), devices: z.array(DeviceKey) }),
  'keys:remove': Empty,
  'buddy:request': Empty,
  'buddy:respond': Empty,
  'buddy:remove': Empty,
  'buddy:list': z.object({
    buddies: z.array(z.object({ user: User, status: PresenceStatus, lastSeenAt: z.string().optional() })),
    incoming: z.array(User),
    outgoing: z.array(User),
    blocked: z.array(User).optional(),
  }),
  'buddy:block': Empty,
  'presence:set': Empty,
  'call:signal': Empty,
  'room:update': z.object({ room: Room }),
  'room:invite': Empty,
  'room:kick': Empty,
  'room:ban': Empty,
  'room:role': Empty,
  'room:delete': Empty,
  'room:bans': z.object({ users: z.array(User) }),
  'room:invitations': z.object({
    invitations: z.array(z.object({ room: Room, by: User, invitedAt: z.string() })),
  }),
  'room:invite:decline': Empty,
  typing: Empty,
  'read:mark': Empty,
  'message:search': z.object({
    messages: z.array(Message),
    hasMore: z.boolean(),
    nextCursor: z.string().optional(),
  }),
  'settings:get': z.object({ settings: Settings }),
  'settings:update': z.object({ settings: Settings }),
  'dm:request:respond': Empty,
  'dm:request:list': z.object({ accepted: z.array(User), ignored: z.array(User) }),
} satisfies { [E in RequestName]: z.ZodType<RequestResults[E]> };

const events = {
  'message:new': z.object({ roomId: z.string(), messages: z.array(Message) }),
  'message:update': z.object({ roomId: z.string(), messages: z.array(Message) }),
  'room:member': z.object({
    roomId: z.string(),
    user: User,
    change: z.enum(['joined', 'left', 'kicked', 'banned', 'role']),
    role: RoomRole.optional(),
  }),
  'dm:new': z.object({
    id: z.string(),
    from: User,
    payload: z.string(),
    sentAt: z.string(),
    expiresAt: z.string(),
    to: User.optional(),
    deviceId: z.string().optional(),
    request: z.boolean().optional(),
  }),
  'dm:status': z.object({ id: z.string(), status: z.enum(['delivered', 'expired']) }),
  'buddy:request': z.object({ from: User }),
  'buddy:update': z.object({ user: User, relation: z.enum(['buddy', 'removed', 'declined']) }),
  presence: z.object({ user: User, status: PresenceStatus, lastSeenAt: z.string().optional() }),
  'call:signal': z.object({ from: User, callId: z.string(), kind: CallSignalKind, data: z.unknown().optional() }),
  'room:updated': z.object({ room: Room }),
  'room:invited': z.object({ room: Room, by: User }),
  'room:invite:declined': z.object({ roomId: z.string() }),
  'room:deleted': z.object({ roomId: z.string() }),
  typing: z.object({ roomId: z.string().optional(), from: User }),
  'read:update': z.object({ roomId: z.string(), user: User, seq: Seq }),
  'settings:update': z.object({ settings: Settings }),
  'call:status': z.object({ callId: z.string(), peer: User, status: CallStatusKind }),
  'dm:request:update': z.object({ user: User, accept: z.boolean() }),
} satisfies { [E in ServerEventName]: z.ZodType<ServerEventPayloads[E]> };

export const resultSchemas: { [E in RequestName]: z.ZodType<RequestResults[E]> } = results;
export const serverEventSchemas: { [E in ServerEventName]: z.ZodType<ServerEventPayloads[E]> } = events;

/*
 * Exactness. `z.ZodType<T>` alone only asks the schema's output to be assignable to T, which
 * lets a schema leave out an optional field or narrow a union. These checks compare both sides
 * field by field (intersections flattened), and name the entries that differ.
 */
type Normalize<T> = T extends readonly (infer U)[]
  ? Normalize<U>[]
  : T extends object
    ? { [K in keyof T]: Normalize<T[K]> }
    : T;
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Mismatched<S extends Record<keyof T, z.ZodType>, T> = {
  [E in keyof T]: Same<Normalize<z.output<S[E]>>, Normalize<T[E]>> extends true ? never : E;
}[keyof T];

const resultsMatch: [Mismatched<typeof results, RequestResults>] extends [never]
  ? true
  : Mismatched<typeof results, RequestResults> = true;
const eventsMatch: [Mismatched<typeof events, ServerEventPayloads>] extends [never]
  ? true
  : Mismatched<typeof events, ServerEventPayloads> = true;
void resultsMatch;
void eventsMatch;
