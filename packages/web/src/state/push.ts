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

/**
 * What to tell the user when subscribing failed. A blocked permission and a browser without a
 * working push service need different advice; Chromium reports both as "permission denied"
 * (an AbortError when it has no push service, as headless or de-Googled builds), so the
 * notification permission itself decides which it is.
 */
export function describePushFailure(error: unknown, permission: NotificationPermission | undefined): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : '';
  if (permission === 'denied' || name === 'NotAllowedError') {
    return "Notifications are blocked for this site: allow them in the browser's site settings, then try again.";
  }
  if (name === 'AbortError' || /push service/i.test(message)) {
    return 'This browser has no push service available, so Parley cannot notify you while it is closed. Notifications still show while a Parley tab is open.';
  }
  return `Could not turn on notifications while Parley is closed${message ? `: ${message}` : ''}.`;
}
