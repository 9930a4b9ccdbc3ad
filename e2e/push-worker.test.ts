import type { Browser, Page } from 'playwright-core';
import type { PushNotice } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import { closeAppAndBrowser, openApp, openAppAndBrowser, registerViaUi, screenshot } from './support/harness.js';

/*
 * Web Push in a real browser, as far as headless Chromium allows. It has no push service, so
 * PushManager.subscribe cannot complete: that part (VAPID, the RFC 8291 encrypted payload, the
 * https endpoint) is tested against a local receiver in packages/server/src/push/. Here: the
 * settings switch says plainly why it could not turn on; the service worker registers; a push
 * with the server's payload shape, handed to the worker through the DevTools protocol (as the
 * push service would), shows the notification it should: who and what kind, never text.
 */
let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

interface Shown {
  title: string;
  body: string;
  tag: string;
}

const shownNotifications = (page: Page): Promise<Shown[]> =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/');
    const list = (await registration?.getNotifications()) ?? [];
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
  });

describe('Web Push in the browser', () => {
  it('explains a failed subscription, and the service worker shows a pushed notice without text', async () => {
    const app = await openApp(browser, server);
    // Granted, so what fails is the push service itself, not the permission.
    await app.context.grantPermissions(['notifications'], { origin: server.url });
    await registerViaUi(app.page, uniqueName('pia'));
    await app.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const pushSwitch = app.page.getByTestId('push-switch');
    await pushSwitch.click();
    const problem = app.page.getByTestId('push-problem');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('no push service available');
    expect(await pushSwitch.isChecked()).toBe(false);
    await screenshot(app.page, 'push-unavailable');

    // The worker registered on the way (before subscribe failed), and is active.
    const scope = await app.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${server.url}/`);

    const cdp = await app.context.newCDPSession(app.page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: typeof registrations }) =>
      registrations.push(...e.registrations),
    );
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrations.find((r) => r.scopeURL === scope)?.registrationId).toBeDefined();
    const registrationId = registrations.find((r) => r.scopeURL === scope)!.registrationId;

    // What the server's push service sends (packages/server/src/push/push-hooks.ts), one of each kind.
    const notices: PushNotice[] = [
      { kind: 'dm', from: { id: 'u1', username: 'ana' } },
      { kind: 'mention', from: { id: 'u2', username: 'ben' }, roomId: 'room-1' },
      { kind: 'call', from: { id: 'u3', username: 'cara' } },
    ];
    for (const notice of notices) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId,
        data: JSON.stringify(notice),
      });
    }
    await expect.poll(() => shownNotifications(app.page).then((l) => l.length), { timeout: 10_000 }).toBe(3);
    const shown = await shownNotifications(app.page);
    expect(shown.sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { title: 'Parley', body: 'cara is calling you', tag: 'call:cara' },
      { title: 'Parley', body: 'ana sent you a private message', tag: 'dm:ana' },
      { title: 'Parley', body: 'ben mentioned you', tag: 'mention:room-1' },
    ]);
    // A push that is not the server's shape still shows something neutral, never its content.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: 'secret text' });
    // Once, under a full CI run's load, this one was not shown within 10 s (the first three were);
    // never in isolated runs, loaded or not. The wait is longer, and a failure lists what was shown.
    await expect
      .poll(() => shownNotifications(app.page), { timeout: 25_000 })
      .toContainEqual({ title: 'Parley', body: 'Something new in Parley', tag: 'parley' });
    expect([...app.problems, ...app.dialogs]).toEqual([]);
    await app.context.close();
  }, 60_000);
});
