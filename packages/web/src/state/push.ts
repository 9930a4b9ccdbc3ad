import type { PushState } from './app-state.js';

/**
 * Web Push for this browser: a service worker, a PushManager subscription made with the
 * server's VAPID key, handed to the server. The server pushes only who and what kind.
 */
export function pushSupported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined';
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js');
  return navigator.serviceWorker.ready;
}

export async function pushStatus(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const existing = await navigator.serviceWorker.getRegistration('/');
  const subscription = await existing?.pushManager.getSubscription();
  return subscription ? 'on' : 'off';
}

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function post(baseUrl: string, path: string, body: unknown): Promise<void> {
  const answer = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`the server answered ${answer.status}`);
}

/** Call from a click: it may ask for the notification permission. */
export async function enablePush(baseUrl: string): Promise<void> {
  const reg = await registration();
  const keyAnswer = await fetch(new URL('/api/push/key', baseUrl));
  const { publicKey } = (await keyAnswer.json()) as { publicKey: string };
  const subscription =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) }));
  await post(baseUrl, '/api/push/subscribe', { subscription: subscription.toJSON() });
}

export async function disablePush(baseUrl: string): Promise<void> {
  const reg = await navigator.serviceWorker.getRegistration('/');
  const subscription = await reg?.pushManager.getSubscription();
  if (!subscription) return;
  await post(baseUrl, '/api/push/unsubscribe', { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}
