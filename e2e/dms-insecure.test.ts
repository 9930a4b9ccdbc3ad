import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, uniqueName, type TestServer } from '../packages/server/src/test-support/index.js';
import { createRoomViaUi, launchBrowser, registerViaUi, screenshot, startAppServer } from './support/harness.js';

/** A name like a LAN host's: plain HTTP to it is not a secure context, so the page has no WebCrypto. */
const LAN_NAME = 'parley-box.lan';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startAppServer();
  browser = await launchBrowser([`--host-resolver-rules=MAP ${LAN_NAME} 127.0.0.1`]);
});
afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('private messages on a non-secure origin', () => {
  it('says plainly that they need HTTPS, and never claims encryption it cannot do', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const origin = server.url.replace('127.0.0.1', LAN_NAME).replace('localhost', LAN_NAME);
    await page.goto(origin);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    await registerViaUi(page, uniqueName('lan'));
    const friend = await connectUser(server);
    const room = uniqueName('lan-room');
    await createRoomViaUi(page, room);
    const list = await friend.client.request('room:list', {});
    const roomId = list.ok ? (list.rooms.find((r) => r.name === room)?.id ?? '') : '';
    await friend.client.joinRoom(roomId);
    await page.getByRole('button', { name: `${friend.user.username}: private chat` }).click();
    const explainer = page.getByTestId('dm-insecure');
    await explainer.waitFor();
    expect(await explainer.textContent()).toContain('Private messages need HTTPS');
    const header = page.getByRole('region', { name: /Private conversation/ }).locator('.topic');
    expect(await header.textContent()).not.toContain('end-to-end encrypted');
    expect(await page.locator('body').textContent()).not.toMatch(/end-to-end encrypted/i);
    await page.locator('#composer-input').fill('hello?');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(page, 'dm-needs-https');
    expect(problems).toEqual([]);
    friend.client.close();
    await context.close();
  }, 60_000);
});
