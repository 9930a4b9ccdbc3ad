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

/** Wave 2: `{ emoji, count, users }`; `users` may be cut short on big rooms, `count` is exact. */
export const Reaction = z.object({ emoji: z.string(), count: z.number().int().positive(), users: z.array(User) });
export type Reaction = z.infer<typeof Reaction>;
/** Wave 2: the message a reply answers; `excerpt` is its current text cut short, '' once deleted. */
export const ReplyRef = z.object({ id: Id, seq: z.number().int().positive(), sender: User, excerpt: z.string() });
export type ReplyRef = z.infer<typeof ReplyRef>;

export const Message = z.object({
  id: Id,
  roomId: Id,
  seq: z.number().int().positive(),
  clientMsgId: z.string(),
  sender: User,
  body: z.string(),
  sentAt: z.string(),
  /** Wave 2: the room's change counter at this message's last change (new, edit, delete, reaction). */
  version: z.number().int().nonnegative(),
  editedAt: z.string().optional(),
  /** Set once deleted: the body is then '' and the text, reactions and mentions are gone. */
  deletedAt: z.string().optional(),
  replyTo: ReplyRef.optional(),
  reactions: z.array(Reaction),
  /** Members named as `@username` in the body (absent when none). */
  mentions: z.array(User).optional(),
  /** Wave 2, "Files": present when the message carries files. */
  attachments: z.array(FileInfo).optional(),
});
export type Message = z.infer<typeof Message>;
