import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import { createIdentity, deriveSharedKey, encryptMessage } from '../packages/web/src/dms/crypto.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

interface Probe {
  asked: number;
  shown: { title: string; body: string }[];
}

/**
 * Runs before the app: a stand-in for the Notification API that records what the app asks
 * and shows, and a switch for document.hidden (a headless page is always visible).
 */
function installProbe(): void {
  const probe = { asked: 0, shown: [] as { title: string; body: string }[], hidden: false };
  class FakeNotification {
    static permission: NotificationPermission = 'default';
    static requestPermission(): Promise<NotificationPermission> {
      probe.asked += 1;
      FakeNotification.permission = 'granted';
      return Promise.resolve('granted');
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options?: { body?: string }) {
      probe.shown.push({ title, body: options?.body ?? '' });
    }
    close(): void {}
  }
  Object.assign(window, { Notification: FakeNotification, __probe: probe });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => probe.hidden });
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get: () => (probe.hidden ? 'hidden' : 'visible'),
  });
}

const readProbe = (page: Page) =>
  page
    .evaluate(() => (window as unknown as { __probe: Probe }).__probe)
    .then((p) => ({ asked: p.asked, shown: p.shown }));

async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    (window as unknown as { __probe: { hidden: boolean } }).__probe.hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('desktop notifications', () => {
  it('asks only on a click, and notifies of messages, private messages and requests only while hidden', async () => {
    const alice = await openApp(browser, server);
    await alice.context.addInitScript(installProbe);
    await alice.page.reload();
    const aliceName = uniqueName('alice');
    await registerViaUi(alice.page, aliceName);
    const room = uniqueName('news');
    await createRoomViaUi(alice.page, room);
    expect((await readProbe(alice.page)).asked).toBe(0);

    await alice.page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
    await alice.page.getByRole('button', { name: 'Turn on desktop notifications' }).waitFor({ state: 'detached' });
    expect((await readProbe(alice.page)).asked).toBe(1);

    const bob = await connectUser(server);
    const { rooms } = expectOk(await bob.client.request('room:list', {}));
    const roomId = rooms.find((r) => r.name === room)?.id ?? '';
    expectOk(await bob.client.joinRoom(roomId));

    // Visible tab: a message gives no desktop notification.
    expectOk(await bob.client.sendMessage(roomId, 'while you look'));
    await alice.page.getByText('while you look').waitFor();
    expect((await readProbe(alice.page)).shown).toEqual([]);

    await setHidden(alice.page, true);
    expectOk(await bob.client.sendMessage(roomId, 'lunch at noon?'));
    expectOk(await bob.client.request('buddy:request', { username: aliceName }));
    // A private message, encrypted in Node with the web app's own crypto module.
    const identity = await createIdentity();
    expectOk(await bob.client.request('keys:publish', { publicKey: identity.publicKey }));
    const aliceKey = expectOk(await bob.client.request('keys:get', { username: aliceName })).publicKey;
    const key = await deriveSharedKey(identity.privateKey, aliceKey);
    const secret = 'the password is swordfish';
    const payload = await encryptMessage(key, identity.publicKey, { from: bob.user.username, to: aliceName }, secret);
    expectOk(await bob.client.request('dm:send', { to: aliceName, clientMsgId: crypto.randomUUID(), payload }));

    await until(async () => (await readProbe(alice.page)).shown.length >= 3, 'three notifications');
    const { shown } = await readProbe(alice.page);
    expect(shown).toEqual([
      { title: `#${room}`, body: `${bob.user.username}: lunch at noon?` },
      { title: 'Buddy request', body: `${bob.user.username} wants to be your buddy` },
      { title: `${bob.user.username} (off the record)`, body: 'New private message' },
    ]);
    // The title counts what waits: one room message, one private message, one request.
    await expect.poll(() => alice.page.title()).toBe('(3) Parley');
    // The private message was decrypted in the page, and its text kept out of the notification.
    await setHidden(alice.page, false);
    await alice.page
      .getByRole('list', { name: /Private chats/ })
      .getByRole('button', { name: bob.user.username })
      .click();
    await alice.page.getByText(secret).waitFor();
    expect(JSON.stringify(shown)).not.toContain('swordfish');

    // A mention while hidden: a notification of its own, saying who and where.
    await setHidden(alice.page, true);
    expectOk(await bob.client.sendMessage(roomId, `@${aliceName} are you coming?`));
    await until(
      async () => (await readProbe(alice.page)).shown.some((n) => n.title === `${bob.user.username} mentioned you`),
      'a mention notification',
    );
    expect((await readProbe(alice.page)).shown.at(-1)).toEqual({
      title: `${bob.user.username} mentioned you`,
      body: `in #${room}`,
    });
    bob.client.close();
    await alice.context.close();
  });
});
