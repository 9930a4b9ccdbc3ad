import { z } from 'zod';
import { FileInfo } from './files.js';
import { BODY_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from './limits.js';

export const Username = z
  .string()
  .regex(USERNAME_PATTERN, 'must be 3 to 32 letters, digits, dots, dashes or underscores');
export const Password = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
export const Id = z.string().min(1).max(64);
export const Body = z.string().trim().min(1).max(BODY_MAX);

export const User = z.object({ id: Id, username: Username });
export type User = z.infer<typeof User>;

export const Room = z.object({
  id: Id,
  name: z.string(),
  topic: z.string(),
  capacity: z.number().int(),
  memberCount: z.number().int(),
  // Wave 2, "Rooms with owners".
  visibility: z.enum(['public', 'private']),
  slowModeSeconds: z.number().int().nonnegative(),
});
export type Room = z.infer<typeof Room>;

export const Message = z.object({
  id: Id,
  roomId: Id,
  seq: z.number().int().positive(),
  clientMsgId: z.string(),
  sender: User,
  body: z.string(),
  sentAt: z.string(),
  /** Wave 2, "Files": present when the message carries files. */
  attachments: z.array(FileInfo).optional(),
});
export type Message = z.infer<typeof Message>;
