import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  uniqueName,
  type TestServer,
} from '../packages/server/src/test-support/index.js';
import {
  closeAppAndBrowser,
  messageTexts,
  openApp,
  openAppAndBrowser,
  screenshot,
  sendViaUi,
  shownSeqs,
  signInViaUi,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => ({ server, browser } = await openAppAndBrowser()));
afterAll(() => closeAppAndBrowser(server, browser));

/** The clientMsgId of every message:send frame the page tries to send over its WebSocket. */
function sendFrameIds(frame: string): string[] {
  const match = /^42\d*\["message:send",(.*)\]$/s.exec(frame);
  if (!match?.[1]) return [];
  const payload = JSON.parse(match[1]) as { clientMsgId?: string };
  return payload.clientMsgId ? [payload.clientMsgId] : [];
}

async function openAs(user: { user: { username: string } }, roomName: string): Promise<Page> {
  const { page } = await openApp(browser, server);
  await signInViaUi(page, user.user.username, TEST_PASSWORD);
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: roomName }).click();
  return page;
}

describe('delivery you can trust', () => {
  it('keeps history and a pending message across a reload, and sends it once with the same clientMsgId', async () => {
    const me = await connectUser(server);
    const other = await connectUser(server);
    const room = expectOk(await me.client.request('room:create', { name: uniqueName('reload') })).room;
    expectOk(await other.client.joinRoom(room.id));
    const seen: string[] = [];
    other.client.onMessages((_roomId, messages) => seen.push(...messages.map((m) => m.body)));

    // Every message:send the page makes goes through this route; while `drop` is on, the server never sees it.
    let drop = false;
    const attempts: string[] = [];
    const { page } = await openApp(browser, server);
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((frame) => {
        const ids = sendFrameIds(String(frame));
        attempts.push(...ids);
        if (drop && ids.length > 0) return;
        upstream.send(frame);
      });
    });
    await page.reload();
    await signInViaUi(page, me.user.username, TEST_PASSWORD);
    await page.getByRole('button', { name: room.name }).waitFor();
    await sendViaUi(page, 'before the reload');
    await until(async () => (await messageTexts(page, 'sent')).includes('before the reload'), 'first message sent');

    drop = true;
    await sendViaUi(page, 'survives the reload');
    const pending = page.locator('[data-testid=message][data-status=pending]');
    await pending.getByText('survives the reload').waitFor();
    await page.waitForTimeout(500);
    expect(await pending.count()).toBe(1);
    const firstId = attempts.at(-1);
    expect(firstId).toBeDefined();

    await page.reload();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    // History from the server, the pending message from the browser's storage.
    await page.locator('[data-status=sent]').getByText('before the reload').waitFor();
    await pending.getByText('survives the reload').waitFor();
    await until(() => attempts.filter((id) => id === firstId).length >= 2, 're-sent after the reload');

    drop = false; // the SDK's next retry gets through
    await until(async () => (await messageTexts(page, 'sent')).includes('survives the reload'), 'sent', 20_000);
    expect(await pending.count()).toBe(0);
    expect(new Set(attempts.slice(attempts.indexOf(firstId ?? '')))).toEqual(new Set([firstId]));
    const history = expectOk(await other.client.request('room:history', { roomId: room.id }));
    expect(history.messages.map((m) => [m.body, m.clientMsgId])).toEqual([
      ['before the reload', expect.any(String)],
      ['survives the reload', firstId],
    ]);
    await until(() => seen.length === 2, 'the other member got both');
    expect(seen).toEqual(['before the reload', 'survives the reload']);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('survives the reload');
    me.client.close();
    other.client.close();
    await page.context().close();
  }, 60_000);

  it('recovers from a server restart mid-conversation: banner, missed messages once and in order', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const room = expectOk(await alice.client.request('room:create', { name: uniqueName('restart') })).room;
    expectOk(await bob.client.joinRoom(room.id));
    alice.client.close();
    bob.client.close();
    const alicePage = await openAs(alice, room.name);
    const bobPage = await openAs(bob, room.name);

    await sendViaUi(alicePage, 'a1');
    await sendViaUi(bobPage, 'b1');
    await until(async () => (await messageTexts(alicePage)).length === 2, 'warm-up exchanged');

    const banner = alicePage.getByTestId('connection-banner');
    // Alice's browser stays off the network until after the restart, so that what is said
    // meanwhile can only reach her by the catch-up after she reconnects.
    await alicePage.context().setOffline(true);
    await server.restart();
    await banner.getByText('Connection lost. Reconnecting…').waitFor({ timeout: 15_000 });
    const carol = await connectUser(server);
    expectOk(await carol.client.joinRoom(room.id));
    for (let i = 1; i <= 5; i += 1) expectOk(await carol.client.sendMessage(room.id, `c${i}`));
    await until(async () => (await messageTexts(bobPage)).includes('c5'), 'Bob, online, sees them live');
    await sendViaUi(alicePage, 'a2');
    await alicePage.locator('[data-status=pending]').getByText('a2', { exact: true }).waitFor();
    await screenshot(alicePage, 'connection-lost');
    expect(await messageTexts(alicePage)).toEqual(['a1', 'b1', 'a2']);
    await alicePage.context().setOffline(false);
    await banner.getByText('Connection is back.').waitFor({ timeout: 15_000 });

    const expected = ['a1', 'b1', 'c1', 'c2', 'c3', 'c4', 'c5', 'a2'];
    for (const page of [alicePage, bobPage]) {
      await until(async () => (await messageTexts(page, undefined)).length >= expected.length, 'all shown', 15_000);
      await page.waitForTimeout(300); // a duplicate arriving late would show up here
      expect(await messageTexts(page)).toEqual(expected);
      expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
    await until(async () => (await banner.textContent()) === '', 'the banner goes away', 10_000);
    carol.client.close();
    await alicePage.context().close();
    await bobPage.context().close();
  }, 60_000);
});
