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
