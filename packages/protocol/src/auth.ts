import { z } from 'zod';
import { Password, Username, type User } from './entities.js';
import { PASSWORD_MAX } from './limits.js';

export const Credentials = z.object({ username: Username, password: Password });
export type Credentials = z.infer<typeof Credentials>;

/** Sign-in checks only that both fields are there: any mismatch is the same 401. */
export const LoginCredentials = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(PASSWORD_MAX),
});

export interface AuthResult {
  user: User;
  token: string;
}

export const SESSION_COOKIE = 'parley_session';

/** Extension: an invite code, as `invite:create` prints it (letters, digits, `-`, `_`). */
export const InviteCode = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** Extension: registration takes an invite code when the server asks for one (REGISTRATION=invite). */
export const Registration = Credentials.extend({ inviteCode: InviteCode.optional() });
export type Registration = z.infer<typeof Registration>;

/** Extension: how this server lets people register (GET /api/auth/registration). */
export type RegistrationMode = 'open' | 'invite' | 'closed';

/**
 * Extension: the `reason` an error body carries where its code alone does not tell the cases
 * apart. A client switches on these, never on the English `message`.
 */
export const RefusalReason = {
  /** FORBIDDEN on register: the server takes no new accounts (an administrator creates them). */
  registrationClosed: 'registration_closed',
  /** FORBIDDEN on register: an invite code is required and none was given. */
  inviteRequired: 'invite_required',
  /** FORBIDDEN on register: no such invite code. */
  inviteInvalid: 'invite_invalid',
  /** FORBIDDEN on register: the invite code has expired. */
  inviteExpired: 'invite_expired',
  /** FORBIDDEN on register: the invite code has been used as many times as it allows. */
  inviteUsedUp: 'invite_used_up',
  /** CONFLICT on register: the username is taken. */
  usernameTaken: 'username_taken',
  /** UNAUTHORIZED on sign-in: the account was disabled by an administrator. */
  accountDisabled: 'account_disabled',
  /** FORBIDDEN: the route is for administrators. */
  adminOnly: 'admin_only',
  /** CONFLICT on `dm:send { allDevices: true }`: a device of either user would get no copy. */
  missingDevices: 'missing_devices',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** Extension: one of the caller's sessions (GET /api/sessions). */
export interface SessionInfo {
  /** A random id of its own: not the token, nor anything derived from it. */
  id: string;
  /** The User-Agent the session signed in with ('' when none was sent). */
  device: string;
  /** The client address it signed in from. */
  address: string;
  createdAt: string;
  lastSeenAt: string;
  /** True for the session this request was made with. */
  current: boolean;
}

/** Extension: POST /api/invites (administrators). */
export const InviteCreate = z.object({
  maxUses: z.number().int().min(1).max(10_000).optional(),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .optional(),
});
export interface InviteInfo {
  code: string;
  maxUses: number;
  expiresAt: string;
}
