import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  createRoomViaUi,
  openApp,
  openAppAndBrowser,
  registerViaUi,
  screenshot,
  until,
} from './support/harness.js';

/**
 * Issue 15, the links: a reload reopens the private chat or room its URL names even on a slow
 * CPU; a permalink to a message older than the loaded page finds it; a missing one says so.
 */
let server: TestServer;
let browser: Browser;

// Seeding a long history goes faster than a person types: a roomier per-socket budget.
beforeAll(
  async () => ({ server, browser } = await openAppAndBrowser({ RATE_LIMIT_PER_SEC: '500', RATE_LIMIT_BURST: '500' })),
);
afterAll(() => closeAppAndBrowser(server, browser));

const roomIdOf = (page: Page) => /\/r\/([^/]+)/.exec(new URL(page.url()).pathname)?.[1] ?? '';
const heading = (page: Page) => page.locator('.chat-title h1').textContent();

/** The conversation's safety number, once this device's and the contact's keys are both in use. */
async function safetyNumber(page: Page): Promise<string> {
  const number = page.getByTestId('safety-number');
  if (!(await number.isVisible())) await page.locator('.safety summary').click();
  await number.waitFor({ timeout: 30_000 });
  return (await number.textContent()) ?? '';
}

/**
 * A slow disk, as under a loaded machine: IndexedDB (where this browser's key pair lives) answers
 * its open `ms` later, so the key pair loads after the server has answered everything else.
 */
async function slowKeyStore(page: Page, ms: number): Promise<void> {
  await page.addInitScript((delay) => {
    const factory = IDBFactory.prototype;
    const open = factory.open.bind(indexedDB);
    factory.open = (name: string, version?: number): IDBOpenDBRequest => {
      const request = open(name, version);
      request.addEventListener('success', (event) => {
        event.stopImmediatePropagation();
        setTimeout(() => {
          request.onsuccess?.call(request, event);
        }, delay);
      });
      return request;
    };
  }, ms);
}

/** Chromium's own CPU throttling (DevTools): every task of the page runs `rate` times slower. */
async function throttle(page: Page, rate: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

describe('links', () => {
  it('a reload at /dm/:username and at /r/:roomId reopens it, on a CPU throttled six times', async () => {
    const [alice, bob] = await Promise.all([openApp(browser, server), openApp(browser, server)]);
    const [aliceName, bobName] = [uniqueName('alice'), uniqueName('bob')];
    await registerViaUi(alice.page, aliceName);
    await registerViaUi(bob.page, bobName);
    const roomName = uniqueName('links');
    await createRoomViaUi(alice.page, roomName);
    await until(() => roomIdOf(alice.page) !== '', 'the room in the URL');
    const roomId = roomIdOf(alice.page);
    await bob.page.goto(`${server.url}/r/${roomId}`);
    await until(async () => (await heading(bob.page))?.includes(roomName) ?? false, 'bob in the room');
    // A second room, so that the remembered one and the linked one differ.
    await createRoomViaUi(alice.page, uniqueName('other'));
    await until(() => roomIdOf(alice.page) !== roomId, 'the other room open');

    await alice.page.goto(`${server.url}/dm/${bobName}`);
    const number = await safetyNumber(alice.page);
    expect(number).toMatch(/^\d{5}( \d{5}){11}$/);

    await throttle(alice.page, 6);
    for (let round = 0; round < 3; round += 1) {
      await alice.page.goto(`${server.url}/dm/${bobName}`);
      await alice.page
        .getByRole('region', { name: `Private conversation with ${bobName}` })
        .waitFor({ timeout: 30_000 });
      expect(new URL(alice.page.url()).pathname).toBe(`/dm/${bobName}`);
      await alice.page.reload();
      await alice.page
        .getByRole('region', { name: `Private conversation with ${bobName}` })
        .waitFor({ timeout: 30_000 });
      // Reopened whole: this device's key and the contact's are in use (the number is theirs).
      expect(await safetyNumber(alice.page)).toBe(number);
      await alice.page.goto(`${server.url}/r/${roomId}`);
      await until(async () => (await heading(alice.page))?.includes(roomName) ?? false, 'the linked room', 30_000);
      await alice.page.reload();
      await until(async () => (await heading(alice.page))?.includes(roomName) ?? false, 'the room again', 30_000);
      expect(roomIdOf(alice.page)).toBe(roomId);
    }
    await throttle(alice.page, 1);

    // The key pair loading last (a slow disk): the chat still reopens whole.
    await slowKeyStore(alice.page, 1500);
    await alice.page.goto(`${server.url}/dm/${bobName}`);
    await alice.page.getByRole('region', { name: `Private conversation with ${bobName}` }).waitFor();
    expect(await safetyNumber(alice.page)).toBe(number);
    for (const p of [alice, bob]) expect(p.problems).toEqual([]);
    for (const p of [alice, bob]) await p.context.close();
  }, 240_000);

  it('a permalink to a message older than the loaded page loads back to it; a deleted or missing one says so', async () => {
    const seeder = await connectUser(server);
    const roomName = uniqueName('history');
    const { room } = expectOk(await seeder.client.request('room:create', { name: roomName }));
    expectOk(await seeder.client.joinRoom(room.id));
    // Three pages' worth (the join shows the last 50).
    for (let i = 1; i <= 160; i += 1) expectOk(await seeder.client.sendMessage(room.id, `line ${i}`));
    const seven = expectOk(await seeder.client.request('room:history', { roomId: room.id, beforeSeq: 8, limit: 1 }));
    const deleted = seven.messages[0];
    expect(deleted?.seq).toBe(7);
    expectOk(await seeder.client.request('message:delete', { messageId: deleted?.id ?? '' }));

    const alice = await openApp(browser, server);
    await registerViaUi(alice.page, uniqueName('alice'));
    await alice.page.goto(`${server.url}/r/${room.id}/m/5`);
    const target = alice.page.locator('[data-testid=message][data-seq="5"]');
    await target.waitFor({ timeout: 20_000 });
    expect(await target.locator('[data-testid=message-text]').textContent()).toBe('line 5');
    await until(async () => (await target.getAttribute('class'))?.includes('message-highlight') ?? false, 'marked');
    expect(await target.isVisible()).toBe(true);
    await until(
      () =>
        target.evaluate((el) => {
          const box = el.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }),
      'scrolled into view',
    );
    await screenshot(alice.page, 'room-permalink');
    expect(new URL(alice.page.url()).pathname).toBe(`/r/${room.id}/m/5`);

    await alice.page.goto(`${server.url}/r/${room.id}/m/7`);
    await alice.page
      .getByRole('alert')
      .filter({ hasText: `That message in #${roomName} was deleted` })
      .waitFor();
    await alice.page.goto(`${server.url}/r/${room.id}/m/9999`);
    await alice.page
      .getByRole('alert')
      .filter({ hasText: `That message does not exist in #${roomName}` })
      .waitFor();
    expect(alice.problems).toEqual([]);
    await alice.context.close();
    seeder.client.close();
  }, 120_000);
});
