import type { Db } from '../db/database.js';

export interface StoredSubscription {
  endpoint: string;
  userId: string;
  keys: { p256dh: string; auth: string };
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The server's VAPID key pair, made at first start and kept: a new pair would orphan every
 * subscription made with the old one. Instances racing at first start keep whichever pair won.
 */
export async function loadOrCreateVapidKeys(db: Db, make: () => VapidKeys): Promise<VapidKeys> {
  const candidate = make();
  await db
    .insertInto('server_keys')
    .values([{ name: 'vapid', value: JSON.stringify(candidate) }])
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_keys').select('value').where('name', '=', 'vapid').executeTakeFirstOrThrow();
  return JSON.parse(row.value) as VapidKeys;
}

/** Keeps at most `max` subscriptions a user: a new one pushes out the oldest. */
export async function saveSubscription(db: Db, sub: StoredSubscription, now: Date, max: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // An endpoint belongs to one browser profile: whoever subscribes it last owns it.
    await tx
      .insertInto('push_subscriptions')
      .values({
        endpoint: sub.endpoint,
        user_id: sub.userId,
        p256dh: sub.keys.p256dh,
        auth: sub.keys.auth,
        created_at: now.toISOString(),
      })
      .onConflict((oc) =>
        oc.column('endpoint').doUpdateSet({
          user_id: sub.userId,
          p256dh: sub.keys.p256dh,
          auth: sub.keys.auth,
          created_at: now.toISOString(),
        }),
      )
      .execute();
    const surplus = await tx
      .selectFrom('push_subscriptions')
      .select('endpoint')
      .where('user_id', '=', sub.userId)
      .orderBy('created_at', 'desc')
      .orderBy('endpoint')
      .offset(max)
      .limit(1000)
      .execute();
    if (surplus.length > 0) {
      await tx
        .deleteFrom('push_subscriptions')
        .where(
          'endpoint',
          'in',
          surplus.map((s) => s.endpoint),
        )
        .execute();
    }
  });
}

export async function deleteSubscription(db: Db, endpoint: string, userId?: string): Promise<void> {
  let query = db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  await query.execute();
}

export async function subscriptionsOf(db: Db, userId: string): Promise<StoredSubscription[]> {
  const rows = await db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).execute();
  return rows.map((r) => ({ endpoint: r.endpoint, userId: r.user_id, keys: { p256dh: r.p256dh, auth: r.auth } }));
}

/** The room's members among these lower-case usernames (a mention names only members). */
export async function membersNamed(db: Db, roomId: string, usernamesLower: string[]): Promise<{ id: string }[]> {
  if (usernamesLower.length === 0) return [];
  return db
    .selectFrom('room_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.id')
    .where('m.room_id', '=', roomId)
    .where('u.username_lower', 'in', usernamesLower.slice(0, 20))
    .execute();
}
