import { z } from 'zod';
import { Message, Room, User } from './entities.js';
import { RoomRole } from './room-admin.js';
import type { RequestName, RequestResults, ServerEventName, ServerEventPayloads } from './events.js';

/**
 * Zod schemas of what the server sends: each request's ok result and each server event's
 * payload, typed against the interfaces in events.ts (a schema that drifts from its interface
 * does not compile). They feed the machine-readable reference (docs/protocol.schema.json, made
 * by `npm run protocol:schema`); an event added without one is listed as undescribed there and
 * fails protocol-schema.test.ts until it gets one.
 */
const Empty = z.object({});
const Status = z.enum(['online', 'away', 'offline']);

export const resultSchemas: { [E in RequestName]?: z.ZodType<RequestResults[E]> } = {
  'room:create': z.object({ room: Room }),
  'room:list': z.object({
    rooms: z.array(Room),
    joinedRoomIds: z.array(z.string()),
    nextCursor: z.string().optional(),
  }),
  'room:join': z.object({
    room: Room,
    members: z.array(User.extend({ role: RoomRole })),
    messages: z.array(Message),
    hasMore: z.boolean().optional(),
  }),
  'room:leave': Empty,
  'room:history': z.object({ messages: z.array(Message), hasMore: z.boolean() }),
  'message:send': z.object({ message: Message }),
  'dm:send': z.object({ id: z.string(), status: z.enum(['delivered', 'queued']) }),
  'dm:ack': Empty,
  'keys:publish': Empty,
  'keys:get': z.object({
    publicKey: z.string(),
    devices: z.array(z.object({ deviceId: z.string(), publicKey: z.string(), updatedAt: z.string() })),
  }),
  'buddy:request': Empty,
  'buddy:respond': Empty,
  'buddy:remove': Empty,
  'buddy:list': z.object({
    buddies: z.array(z.object({ user: User, status: Status, lastSeenAt: z.string().optional() })),
    incoming: z.array(User),
    outgoing: z.array(User),
  }),
  'presence:set': Empty,
  'call:signal': Empty,
};

export const serverEventSchemas: { [E in ServerEventName]?: z.ZodType<ServerEventPayloads[E]> } = {
  'message:new': z.object({ roomId: z.string(), messages: z.array(Message) }),
  'room:member': z.object({ roomId: z.string(), user: User, change: z.enum(['joined', 'left']) }),
  'dm:new': z.object({ id: z.string(), from: User, payload: z.string(), sentAt: z.string(), expiresAt: z.string() }),
  'dm:status': z.object({ id: z.string(), status: z.enum(['delivered', 'expired']) }),
  'buddy:request': z.object({ from: User }),
  'buddy:update': z.object({ user: User, relation: z.enum(['buddy', 'removed', 'declined']) }),
  presence: z.object({ user: User, status: Status, lastSeenAt: z.string().optional() }),
  'call:signal': z.object({
    from: User,
    callId: z.string(),
    kind: z.enum(['offer', 'answer', 'candidate', 'hangup', 'reject']),
    data: z.unknown().optional(),
  }),
};
