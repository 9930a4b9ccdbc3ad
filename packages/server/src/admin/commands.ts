import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AdminContext } from './admin.js';
import { UsageError, checkPassword, checkUsername, readPasswordFromStdin } from './admin.js';

export const USAGE = `Parley administration: npm run admin -- <command>

  user:create <username> [--admin] --password-stdin    create an account (any REGISTRATION mode)
  user:reset-password <username> --password-stdin      set a new password; signs the user out everywhere
  user:disable <username>                              the account can no longer sign in; signs it out everywhere
  user:list                                            every account, its role and open sessions
  invite:create [--uses N] [--hours H]                 an invite code (REGISTRATION=invite): N uses (1), H hours (168)
  backup <file>                                        a consistent copy of the SQLite database, while the server runs

Passwords are read from stdin only, never from arguments (they would show in ps and shell history):
  printf '%s\\n' "$PASSWORD" | npm run admin -- user:create alice --admin --password-stdin
The command reads the same environment as the server (DATA_DIR, DATABASE_URL, REDIS_URL, ...).`;

export interface Io {
  stdin: NodeJS.ReadableStream;
  out(line: string): void;
}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--uses', '--hours']);

export function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--password' || arg.startsWith('--password=')) {
      throw new UsageError('passwords are never taken as arguments; pipe it in with --password-stdin');
    }
    if (VALUE_FLAGS.has(arg)) {
      const value = args[i + 1];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(arg, value);
      i += 1;
    } else if (arg.startsWith('--')) flags.set(arg, true);
    else positional.push(arg);
  }
  return { positional, flags };
}

function positiveInt(value: string | true | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number ≥ 1`);
  return n;
}

async function passwordOf(parsed: Parsed, io: Io): Promise<string> {
  if (!parsed.flags.has('--password-stdin')) {
    throw new UsageError('give the password on stdin with --password-stdin (never as an argument)');
  }
  return checkPassword(await readPasswordFromStdin(io.stdin));
}

/** Runs one command; answers the exit code. */
export async function runCommand(
  command: string | undefined,
  args: string[],
  open: () => Promise<AdminContext>,
  config: Config,
  io: Io,
): Promise<number> {
  const parsed = parseArgs(args);
  const [first] = parsed.positional;
  const withAdmin = async (work: (ctx: AdminContext) => Promise<void>) => {
    const ctx = await open();
    try {
      await work(ctx);
    } finally {
      await ctx.close();
    }
  };
  switch (command) {
    case 'user:create': {
      const username = checkUsername(first);
      const password = await passwordOf(parsed, io);
      const isAdmin = parsed.flags.has('--admin');
      await withAdmin(async ({ auth }) => {
        const user = await auth.createUser({ username, password, isAdmin });
        io.out(`created ${isAdmin ? 'administrator' : 'user'} ${user.username} (${user.id})`);
      });
      return 0;
    }
    case 'user:reset-password': {
      const username = checkUsername(first);
      const password = await passwordOf(parsed, io);
      await withAdmin(async ({ auth }) => {
        const ended = await auth.resetPassword(username, password);
        io.out(`password of ${username} changed; ${ended.length} session(s) ended (${signedOutWithin(config)})`);
      });
      return 0;
    }
    case 'user:disable': {
      const username = checkUsername(first);
      await withAdmin(async ({ auth }) => {
        const ended = await auth.disableUser(username);
        io.out(`${username} disabled; ${ended.length} session(s) ended (${signedOutWithin(config)})`);
      });
      return 0;
    }
    case 'user:list': {
      await withAdmin(async ({ auth }) => {
        const users = await auth.listUsers();
        io.out(['username', 'role', 'status', 'sessions', 'created'].join('\t'));
        for (const user of users) {
          io.out(
            [
              user.username,
              user.isAdmin ? 'admin' : 'user',
              user.disabled ? 'disabled' : 'active',
              String(user.sessions),
              user.createdAt,
            ].join('\t'),
          );
        }
      });
      return 0;
    }
    case 'invite:create': {
      const maxUses = positiveInt(parsed.flags.get('--uses'), '--uses', 1);
      const expiresInHours = positiveInt(parsed.flags.get('--hours'), '--hours', 168);
      await withAdmin(async ({ auth }) => {
        const invite = await auth.createInvite({ maxUses, expiresInHours });
        io.out(invite.code);
        io.out(`valid for ${invite.maxUses} registration(s) until ${invite.expiresAt}`);
        if (config.registration !== 'invite') io.out(`note: REGISTRATION is ${config.registration}, not invite`);
      });
      return 0;
    }
    case 'backup': {
      if (first === undefined) throw new UsageError('name the file to write, e.g. backup parley-backup.db');
      const target = path.resolve(first);
      if (existsSync(target)) throw new UsageError(`${target} exists; name a new file`);
      if (config.databaseUrl) {
        throw new UsageError('DATABASE_URL names PostgreSQL: back it up with pg_dump (see the README)');
      }
      await withAdmin(async ({ database }) => {
        if (!database.sqlite) throw new UsageError('no SQLite database');
        // SQLite's online backup API: a consistent snapshot page by page, while the server writes.
        await database.sqlite.backup(target);
        io.out(`backed up ${path.join(config.dataDir, 'parley.db')} to ${target}`);
      });
      return 0;
    }
    default:
      io.out(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

function signedOutWithin(config: Config): string {
  return `their open connections close within ${Math.ceil(config.sessionCheckMs / 1000)} s on every instance`;
}

/** A refusal the user can act on, without a stack trace. */
export function describeFailure(error: unknown): string | undefined {
  if (error instanceof UsageError) return error.message;
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  return undefined;
}
