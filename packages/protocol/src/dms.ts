import { z } from 'zod';
import { Username, type User } from './entities.js';
import { DM_PAYLOAD_MAX, DM_TTL_MAX_SECONDS, PUBLIC_KEY_MAX } from './limits.js';

export const DmSend = z.object({
  to: Username,
  clientMsgId: z.uuid(),
  payload: z.string().min(1).max(DM_PAYLOAD_MAX),
  ttlSeconds: z.number().int().min(1).max(DM_TTL_MAX_SECONDS).optional(),
});
export const DmAck = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(500) });
export const KeysPublish = z.object({ publicKey: z.string().min(1).max(PUBLIC_KEY_MAX) });
export const KeysGet = z.object({ username: Username });

export interface DmNew {
  id: string;
  from: User;
  payload: string;
  sentAt: string;
  expiresAt: string;
}

export interface DmStatus {
  id: string;
  status: 'delivered' | 'expired';
}
