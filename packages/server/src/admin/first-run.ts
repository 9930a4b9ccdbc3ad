import type { Config } from '../config.js';
import type { Db } from '../db/database.js';

/**
 * What the first start says when nobody can register yet: with REGISTRATION=closed (or invite)
 * and no account in the database, the first one is made with the admin command.
 */
export async function firstRunHint(config: Config, db: Db): Promise<string | undefined> {
  if (config.registration === 'open') return undefined;
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(row?.n ?? 0) > 0) return undefined;
  return (
    `No account yet and REGISTRATION=${config.registration}: create the first administrator with\n` +
    `  printf '%s\\n' "$PASSWORD" | npm run admin -- user:create <username> --admin --password-stdin\n` +
    (config.registration === 'invite' ? 'then hand out invite codes: npm run admin -- invite:create --uses 5\n' : '')
  );
}
