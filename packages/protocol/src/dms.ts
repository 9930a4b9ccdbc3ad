import { z } from 'zod';
import { Username, type User } from './entities.js';
import { DM_COPIES_MAX, DM_PAYLOAD_MAX, DM_TTL_MAX_SECONDS, PUBLIC_KEY_MAX } from './limits.js';

/**
 * Extension (devices): a device is one browser (or app install) of a user, with its own key
 * pair. Its id is chosen by the device (a random UUID in the web app). An old client that never
 * names a device is the device `default`.
 */
export const DeviceId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, dashes or underscores');
export const LEGACY_DEVICE_ID = 'default';

/** Extension: one ciphertext for one device, of the recipient or of the sender's other devices. */
export const DmCopy = z.object({
  username: Username,
  deviceId: DeviceId,
  payload: z.string().min(1).max(DM_PAYLOAD_MAX),
});
export type DmCopy = z.infer<typeof DmCopy>;

export const DmSend = z
  .object({
    to: Username,
    clientMsgId: z.uuid(),
    /** The contract's single ciphertext, for every connection of the recipient (old clients). */
    payload: z.string().min(1).max(DM_PAYLOAD_MAX).optional(),
    /** Extension: one ciphertext per device; each goes to that device only. */
    copies: z.array(DmCopy).min(1).max(DM_COPIES_MAX).optional(),
    ttlSeconds: z.number().int().min(1).max(DM_TTL_MAX_SECONDS).optional(),
    /**
     * Extension, with `copies`: refuse (`CONFLICT`, reason `missing_devices`) rather than send when
     * a device of either user (but the sending one) would get no copy, so that a device added a
     * moment ago gets this message too: the client asks `keys:get` again and re-encrypts.
     */
    allDevices: z.boolean().optional(),
  })
  .refine((v) => (v.payload === undefined) !== (v.copies === undefined), {
    message: 'give either payload or copies, not both',
    path: ['payload'],
  });
export const DmAck = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(500) });
/** Extension: `deviceId` names this connection's device, and binds the connection to it. */
export const KeysPublish = z.object({
  publicKey: z.string().min(1).max(PUBLIC_KEY_MAX),
  deviceId: DeviceId.optional(),
});
export const KeysGet = z.object({ username: Username });
/** Extension: removes one of the caller's own devices (sign-out of that browser). */
export const KeysRemove = z.object({ deviceId: DeviceId });

/** Extension: one device's public key in `keys:get`'s answer. */
export interface DeviceKey {
  deviceId: string;
  publicKey: string;
  /** When the device last published its key (ISO-8601). */
  updatedAt: string;
}

export interface KeysGetResult {
  /** The contract's one key: the most recently published device key. */
  publicKey: string;
  /** Extension: every device of the user, newest first. */
  devices: DeviceKey[];
}

export interface DmSendResult {
  id: string;
  status: 'delivered' | 'queued';
  /** Extension, with `copies`: devices of either user that exist but were given no copy. */
  missingDevices?: number;
}

export interface DmNew {
  id: string;
  from: User;
  payload: string;
  sentAt: string;
  expiresAt: string;
  /** Extension: the recipient; differs from the receiving user on a copy for the sender's other device. */
  to?: User;
  /** Extension: the device this copy was encrypted for. */
  deviceId?: string;
  /** Extension: true when the sender is not the recipient's buddy: show it as a request. */
  request?: boolean;
}

/**
 * Extension: the user's answer to a message request (private messages from someone who is not
 * their buddy). `accept: true` makes that person's messages a normal conversation from now on;
 * `accept: false` ignores them (their messages are dropped quietly; the sender is not told).
 * Kept for the user on the server, told to the user's other devices (`dm:request:update`).
 */
export const DmRequestRespond = z.object({ username: Username, accept: z.boolean() });
/** Extension: the user's answers to message requests, for a device starting up. */
export const DmRequestList = z.object({});

export interface DmRequestListResult {
  accepted: User[];
  ignored: User[];
}

/** Extension (server → the user's own devices): a message request was answered on one of them. */
export interface DmRequestUpdate {
  user: User;
  accept: boolean;
}

export interface DmStatus {
  id: string;
  status: 'delivered' | 'expired';
}
