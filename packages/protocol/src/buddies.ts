import { z } from 'zod';
import { Username, type User } from './entities.js';
import { CALL_SIGNAL_DATA_MAX } from './limits.js';

export const BuddyRequest = z.object({ username: Username });
export const BuddyRespond = z.object({ username: Username, accept: z.boolean() });
export const BuddyRemove = z.object({ username: Username });
export const BuddyList = z.object({});
export const PresenceSet = z.object({ status: z.enum(['online', 'away']) });

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface BuddyListResult {
  /** Extension: lastSeenAt (ISO-8601) for an offline buddy who has been online before. */
  buddies: { user: User; status: PresenceStatus; lastSeenAt?: string }[];
  incoming: User[];
  outgoing: User[];
}

export const CallSignal = z.object({
  to: Username,
  callId: z.string().min(1).max(64),
  kind: z.enum(['offer', 'answer', 'candidate', 'hangup', 'reject']),
  data: z
    .unknown()
    .optional()
    .refine((d) => d === undefined || JSON.stringify(d).length <= CALL_SIGNAL_DATA_MAX, {
      message: `must be at most ${CALL_SIGNAL_DATA_MAX} characters as JSON`,
    }),
});
