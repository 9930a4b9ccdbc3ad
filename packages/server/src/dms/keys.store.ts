import { DEVICES_MAX, LEGACY_DEVICE_ID, type DeviceKey } from '@parley/protocol';
import type { Db } from '../db/database.js';

/**
 * Saves one device's key, and the same key as the user's one key (what the contract's
 * `keys:get` answers: the newest). Past DEVICES_MAX devices the least recently published one
 * goes: a user who clears browsers often is never locked out.
 */
export async function saveDeviceKey(
  db: Db,
  userId: string,
  deviceId: string,
  publicKey: string,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('device_keys')
      .values({ user_id: userId, device_id: deviceId, public_key: publicKey, updated_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ public_key: publicKey, updated_at: at }))
      .execute();
    await tx
      .insertInto('public_keys')
      .values({ user_id: userId, public_key: publicKey, updated_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ public_key: publicKey, updated_at: at }))
      .execute();
    const extra = await tx
      .selectFrom('device_keys')
      .select('device_id')
      .where('user_id', '=', userId)
      .orderBy('updated_at', 'desc')
      .orderBy('device_id')
      .offset(DEVICES_MAX)
      .limit(1000)
      .execute();
    if (extra.length > 0) {
      await tx
        .deleteFrom('device_keys')
        .where('user_id', '=', userId)
        .where(
          'device_id',
          'in',
          extra.map((r) => r.device_id),
        )
        .execute();
    }
  });
}

/** Removes one device; the user's one key becomes their newest remaining device's (or none). */
export async function removeDeviceKey(db: Db, userId: string, deviceId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const removed = await tx
      .deleteFrom('device_keys')
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return false;
    const newest = await tx
      .selectFrom('device_keys')
      .select(['public_key', 'updated_at'])
      .where('user_id', '=', userId)
      .orderBy('updated_at', 'desc')
      .executeTakeFirst();
    if (newest) {
      await tx
        .updateTable('public_keys')
        .set({ public_key: newest.public_key, updated_at: newest.updated_at })
        .where('user_id', '=', userId)
        .execute();
    } else {
      await tx.deleteFrom('public_keys').where('user_id', '=', userId).execute();
    }
    return true;
  });
}

export interface UserKeys {
  userId: string;
  publicKey: string;
  devices: DeviceKey[];
}

/**
 * The keys of the user called `username`, in one query, so that an unknown user and a user
 * without a key are told apart neither by the answer nor by its timing (account enumeration).
 * A key published before devices existed is the device `default`.
 */
export async function findKeysByUsername(db: Db, username: string): Promise<UserKeys | undefined> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('public_keys', 'public_keys.user_id', 'users.id')
    .leftJoin('device_keys', 'device_keys.user_id', 'users.id')
    .select([
      'users.id as userId',
      'public_keys.public_key as publicKey',
      'public_keys.updated_at as keyUpdatedAt',
      'device_keys.device_id as deviceId',
      'device_keys.public_key as devicePublicKey',
      'device_keys.updated_at as deviceUpdatedAt',
    ])
    .where('users.username_lower', '=', username.toLowerCase())
    .execute();
  const [first] = rows;
  if (!first) return undefined;
  const devices = rows.flatMap((r) =>
    r.deviceId && r.devicePublicKey && r.deviceUpdatedAt
      ? [{ deviceId: r.deviceId, publicKey: r.devicePublicKey, updatedAt: r.deviceUpdatedAt }]
      : [],
  );
  devices.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.deviceId.localeCompare(b.deviceId));
  if (devices.length === 0)
    devices.push({ deviceId: LEGACY_DEVICE_ID, publicKey: first.publicKey, updatedAt: first.keyUpdatedAt });
  return { userId: first.userId, publicKey: first.publicKey, devices };
}

/** The device ids of these users, by user id: what a `dm:send`'s copies are checked against. */
export async function deviceIdsOf(db: Db, userIds: string[]): Promise<Map<string, Set<string>>> {
  const rows = await db
    .selectFrom('device_keys')
    .select(['user_id', 'device_id'])
    .where('user_id', 'in', userIds)
    .execute();
  const byUser = new Map<string, Set<string>>(userIds.map((id) => [id, new Set<string>()]));
  for (const row of rows) byUser.get(row.user_id)?.add(row.device_id);
  return byUser;
}
