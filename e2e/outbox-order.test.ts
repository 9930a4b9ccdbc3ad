import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  openAppAndBrowser,
  screenshot,
  sendViaUi,
  signInViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

/** A user with a room of their own, and their page open on it. */
async function inRoom(): Promise<{ me: TestUser; roomId: string; page: Page }> {
  const me = await connectUser(server);
  const room = expectOk(await me.client.request('room:create', { name: uniqueName('order') })).room;
  me.client.close();
  const { page } = await openApp(browser, server);
  await signInViaUi(page, me.user.username, TEST_PASSWORD);
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: room.name }).click();
  return { me, roomId: room.id, page };
}

/** The room's stored history as the server tells it, through the SDK. */
async function storedBodies(me: TestUser, roomId: string): Promise<string[]> {
  const reader = await connectUser(server, { token: me.token, username: me.user.username });
  const history = expectOk(await reader.client.request('room:history', { roomId }));
  reader.client.close();
  return history.messages.map((m) => m.body);
}

describe("a room's outbox", () => {
  it('sends what was written while the server was down in the order written, once it is back', async () => {
    const { me, roomId, page } = await inRoom();
    await sendViaUi(page, 'warm-up');
    await until(async () => (await messageTexts(page, 'sent')).includes('warm-up'), 'warm-up sent');

    await server.stop();
    await page
      .getByTestId('connection-banner')
      .getByText('Connection lost. Reconnecting…')
      .waitFor({ timeout: 15_000 });
    // A second apart, as a person types: each one's own retry timer used to decide the order.
    for (const body of ['one', 'two', 'three', 'four']) {
      await sendViaUi(page, body);
      await page.waitForTimeout(1000);
    }
    expect(await messageTexts(page, 'pending')).toEqual(['one', 'two', 'three', 'four']);
    await screenshot(page, 'outbox-while-server-down');
    await server.start();

    await until(async () => (await messageTexts(page, 'pending')).length === 0, 'all four sent', 30_000);
    expect(await messageTexts(page)).toEqual(['warm-up', 'one', 'two', 'three', 'four']);
    expect(await storedBodies(me, roomId)).toEqual(['warm-up', 'one', 'two', 'three', 'four']);
    await page.context().close();
  }, 90_000);

  it('keeps the order across a reload while the messages cannot get through', async () => {
    const { me, roomId, page } = await inRoom();
    // Every message:send frame is dropped while `drop` is on: the server never sees them.
    let drop = true;
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((frame) => {
        if (drop && /^42\d*\["message:send"/.test(String(frame))) return;
        upstream.send(frame);
      });
    });
    await page.reload();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    for (const body of ['first', 'second', 'third']) await sendViaUi(page, body);
    await until(async () => (await messageTexts(page, 'pending')).length === 3, 'three pending');

    await page.reload();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    await until(async () => (await messageTexts(page, 'pending')).length === 3, 'three pending after the reload');
    drop = false;
    await until(async () => (await messageTexts(page, 'pending')).length === 0, 'all three sent', 40_000);
    expect(await messageTexts(page)).toEqual(['first', 'second', 'third']);
    expect(await storedBodies(me, roomId)).toEqual(['first', 'second', 'third']);
    await page.context().close();
  }, 90_000);
});
