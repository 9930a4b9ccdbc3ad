import type { Agent } from 'node:https';
import type { PushNotice, User } from '@parley/protocol';
import webpush from 'web-push';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import * as store from './push.store.js';

/** Subscriptions one user may keep (browsers and devices); a new one replaces the oldest. */
export const SUBSCRIPTIONS_PER_USER = 10;
/** A push waits this long at the push service for a device that is off, then is dropped. */
const PUSH_TTL_SECONDS = 3600;

export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushService {
  publicKey: string;
  subscribe(user: User, subscription: PushSubscriptionInput): Promise<void>;
  unsubscribe(user: User, endpoint: string): Promise<void>;
  /** Pushes to the user's devices when no connection of theirs is open; never throws. */
  notify(userId: string, notice: PushNotice): void;
  /** Resolves when every push started so far has been answered (tests, shutdown). */
  settled(): Promise<void>;
}

export interface PushDeps {
  db: Db;
  log: Logger;
  subject: string;
  /** Hosts an endpoint may be on, or a subdomain of: the server sends requests there. */
  allowedHosts: string[];
  isOnline(userId: string): Promise<boolean>;
  /** Tests only: an agent that trusts the test's own receiver. */
  agent?: Agent;
}

export function isAllowedEndpoint(endpoint: string, allowedHosts: string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

export async function createPushService(deps: PushDeps): Promise<PushService> {
  const { db, log } = deps;
  const keys = await store.loadOrCreateVapidKeys(db, () => webpush.generateVAPIDKeys());
  const vapidDetails = { subject: deps.subject, publicKey: keys.publicKey, privateKey: keys.privateKey };
  const sending = new Set<Promise<void>>();

  async function deliver(userId: string, notice: PushNotice): Promise<void> {
    if (await deps.isOnline(userId)) return;
    const subscriptions = await store.subscriptionsOf(db, userId);
    // Who and what kind: never message text (PROTOCOL.md, "Notifications when no tab is open").
    const payload = JSON.stringify(notice);
    await Promise.all(
      subscriptions.map(async (sub) => {
        try {
          await webpush.sendNotification(sub, payload, {
            vapidDetails,
            TTL: PUSH_TTL_SECONDS,
            urgency: notice.kind === 'call' ? 'high' : 'normal',
            timeout: 10_000,
            ...(deps.agent ? { agent: deps.agent } : {}),
          });
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          // 404 and 410: the browser dropped the subscription; forget it.
          if (status === 404 || status === 410) await store.deleteSubscription(db, sub.endpoint);
          else log.warn({ userId, status, kind: notice.kind }, 'push failed');
        }
      }),
    );
  }

  return {
    publicKey: keys.publicKey,
    async subscribe(user, subscription) {
      if (!isAllowedEndpoint(subscription.endpoint, deps.allowedHosts)) {
        throw new AppError('BAD_REQUEST', 'subscription.endpoint: must be https on a known push service');
      }
      await store.saveSubscription(
        db,
        { endpoint: subscription.endpoint, userId: user.id, keys: subscription.keys },
        new Date(),
        SUBSCRIPTIONS_PER_USER,
      );
    },
    async unsubscribe(user, endpoint) {
      await store.deleteSubscription(db, endpoint, user.id);
    },
    notify(userId, notice) {
      const work = deliver(userId, notice).catch((err: unknown) =>
        log.warn({ err, userId, kind: notice.kind }, 'push not sent'),
      );
      sending.add(work);
      void work.then(() => sending.delete(work));
    },
    async settled() {
      await Promise.all([...sending]);
    },
  };
}
