import { z } from 'zod';
import { Username, type User } from './entities.js';
import { FREE_FORM_DEPTH_MAX, FREE_FORM_NODES_MAX, measureJson } from './json-budget.js';
import { CALL_SIGNAL_DATA_MAX } from './limits.js';

export const BuddyRequest = z.object({ username: Username });
export const BuddyRespond = z.object({ username: Username, accept: z.boolean() });
export const BuddyRemove = z.object({ username: Username });
export const BuddyList = z.object({});
/** Extension: a blocked user cannot send the blocker private messages, buddy requests or calls. */
export const BuddyBlock = z.object({ username: Username, blocked: z.boolean() });
export const PresenceSet = z.object({ status: z.enum(['online', 'away']) });

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface BuddyListResult {
  /** Extension: lastSeenAt (ISO-8601) for an offline buddy who has been online before. */
  buddies: { user: User; status: PresenceStatus; lastSeenAt?: string }[];
  incoming: User[];
  outgoing: User[];
  /** Extension: the users the caller blocked. */
  blocked?: User[];
}

export const CallSignal = z.object({
  to: Username,
  callId: z.string().min(1).max(64),
  kind: z.enum(['offer', 'answer', 'candidate', 'hangup', 'reject']),
  data: z
    .unknown()
    .optional()
    .superRefine((data, ctx) => {
      if (data === undefined) return;
      const measured = measureJson(data, {
        maxLength: CALL_SIGNAL_DATA_MAX,
        maxDepth: FREE_FORM_DEPTH_MAX,
        maxNodes: FREE_FORM_NODES_MAX,
      });
      if (!measured.ok) ctx.addIssue(freeFormIssue(measured.exceeded));
    }),
});

/** Too long is TOO_LARGE (as for text); too deep or too many values is a malformed request. */
function freeFormIssue(exceeded: 'length' | 'depth' | 'nodes') {
  const messages = {
    length: `must be at most ${CALL_SIGNAL_DATA_MAX} characters as JSON`,
    depth: `must be nested at most ${FREE_FORM_DEPTH_MAX} deep`,
    nodes: `must hold at most ${FREE_FORM_NODES_MAX} values`,
  };
  return {
    code: 'custom' as const,
    message: messages[exceeded],
    params: { errorCode: exceeded === 'length' ? 'TOO_LARGE' : 'BAD_REQUEST' },
  };
}
