import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  type TestServer,
  type TestUser,
} from '../packages/server/src/test-support/index.js';
import { createIdentity, deriveSharedKey, encryptMessage, type Identity } from '../packages/web/src/dms/crypto.js';
import {
  closeAppAndBrowser,
  openApp,
  screenshot,
  sendViaUi,
  signInViaUi,
  openAppAndBrowser,
  until,
} from './support/harness.js';

let server: TestServer;
let browser: Browser;
let maya: TestUser;
let leo: TestUser;
let leoIdentity: Identity;
const others: TestUser[] = [];

async function befriend(a: TestUser, b: TestUser): Promise<void> {
  expectOk(await a.client.request('buddy:request', { username: b.user.username }));
  expectOk(await b.client.request('buddy:request', { username: a.user.username }));
}

/**
 * Plain names on a fresh server, for the screenshots in the docs: Maya has three buddies (Leo
 * online, Sam away, Nora offline since a moment ago), a request from Ivy, and a room with Leo.
 */
beforeAll(async () => {
  ({ server, browser } = await openAppAndBrowser({ PRESENCE_GRACE_MS: '300' }));
  maya = await connectUser(server, { username: 'maya' });
  leo = await connectUser(server, { username: 'leo' });
  const sam = await connectUser(server, { username: 'sam' });
  const nora = await connectUser(server, { username: 'nora' });
  const ivy = await connectUser(server, { username: 'ivy' });
  others.push(sam, ivy);
  for (const friend of [leo, sam, nora]) await befriend(maya, friend);
  expectOk(await ivy.client.request('buddy:request', { username: 'maya' }));
  expectOk(await sam.client.request('presence:set', { status: 'away' }));
  nora.client.close();
  const room = expectOk(
    await maya.client.request('room:create', { name: 'design', topic: 'Mockups and reviews' }),
  ).room;
  expectOk(await leo.client.joinRoom(room.id));
  expectOk(await leo.client.sendMessage(room.id, 'The buddy list mockups are in.'));
  maya.client.close(); // from here on Maya is the browser
  leoIdentity = await createIdentity();
  expectOk(await leo.client.request('keys:publish', { publicKey: leoIdentity.publicKey }));
  leo.client.on('dm:new', (dm) => void leo.client.request('dm:ack', { ids: [dm.id] }));
});

afterAll(async () => {
  for (const user of [leo, ...others]) user?.client.close();
  await closeAppAndBrowser(server, browser);
});

async function signedIn(width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const { page } = await openApp(browser, server, { width, height, colorScheme });
  await signInViaUi(page, 'maya', TEST_PASSWORD);
  await page.locator('#composer-input').waitFor();
  await until(async () => (await page.getByTestId('buddy').count()) === 3, 'three buddies listed');
  return page;
}

async function assertFits(page: Page, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(0);
  const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
  expect(send && send.x + send.width).toBeLessThanOrEqual(width);
}

/** Leo writes to Maya, encrypted with her published key, as the web app would. */
async function leoWrites(text: string): Promise<void> {
  const key = expectOk(await leo.client.request('keys:get', { username: 'maya' })).publicKey;
  const shared = await deriveSharedKey(leoIdentity.privateKey, key);
  const payload = await encryptMessage(shared, leoIdentity.publicKey, { from: 'leo', to: 'maya' }, text);
  expectOk(await leo.client.request('dm:send', { to: 'maya', clientMsgId: crypto.randomUUID(), payload }));
}

describe('buddy panel and private chats on screen', () => {
  it('shows buddies with their status, last seen and a request, in light and dark', async () => {
    const page = await signedIn(1280, 800);
    const statuses = await page
      .getByTestId('buddy')
      .evaluateAll((els) => els.map((el) => `${el.textContent ?? ''}|${el.getAttribute('data-status') ?? ''}`));
    expect(statuses.map((s) => s.split('|')[1])).toEqual(['online', 'offline', 'away']);
    expect(statuses[1]).toMatch(/nora(last seen just now|last seen 1 min ago)×\|offline$/);
    expect(await page.getByRole('list', { name: 'Buddy requests' }).textContent()).toContain('ivy wants to be');
    // The room's member list: Leo is a buddy, so his dot shows.
    const leoMember = page.locator('#member-panel [data-testid=member]').filter({ hasText: 'leo' });
    expect(await leoMember.getAttribute('data-status')).toBe('online');
    await page.waitForTimeout(4500); // let the sign-in toasts fade: the picture is of the panel
    await screenshot(page, 'buddy-panel');
    await page.context().close();

    const dark = await signedIn(1280, 800, 'dark');
    await dark.waitForTimeout(4500);
    await screenshot(dark, 'buddy-panel-dark');
    await dark.context().close();
  });

  it('fits a 360 px phone: buddies in the drawer, and the private chat', async () => {
    const page = await signedIn(360, 740);
    await assertFits(page, 360);
    await page.getByRole('button', { name: 'Open rooms' }).click();
    const drawer = page.getByRole('navigation', { name: 'Rooms' });
    await until(async () => (await drawer.boundingBox())?.x === 0, 'the drawer slid in');
    await page.getByTestId('buddy-panel').scrollIntoViewIfNeeded();
    await page.waitForTimeout(4500);
    await screenshot(page, 'phone-buddies');

    // A buddy's name opens the private chat, which takes the whole screen.
    await page.getByTestId('buddy').filter({ hasText: 'leo' }).getByRole('button', { name: /^leo/ }).click();
    await page.getByRole('region', { name: 'Private conversation with leo' }).waitFor();
    await until(async () => !(await drawer.isVisible()), 'the drawer closed');
    await leoWrites('Did you see the new buddy list? The dots look great.');
    await page.getByText('The dots look great.').waitFor();
    await sendViaUi(page, 'Yes! Off the record: ship it on Friday.');
    await expect
      .poll(() => page.locator('[data-testid=dm-message]').last().getAttribute('data-status'), { timeout: 10_000 })
      .toBe('delivered');
    await assertFits(page, 360);
    await page.waitForTimeout(4000);
    await screenshot(page, 'phone-dm');
    // The conversation fits every width up to a wide desktop.
    for (const [width, height] of [
      [414, 896],
      [768, 1024],
      [1024, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      await assertFits(page, width);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('.safety summary').click();
    await screenshot(page, 'dm-safety-number');

    // Maya compared the numbers with Leo and marked him verified; then the key of the device she
    // verified changes: her next look at his keys warns her (an unverified contact's new key
    // would be a neutral notice).
    await page.getByRole('button', { name: /mark as verified/ }).click();
    await page.getByTestId('dm-verified').waitFor();
    leoIdentity = await createIdentity();
    expectOk(await leo.client.request('keys:publish', { publicKey: leoIdentity.publicKey }));
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await page
      .getByRole('list', { name: /Private chats/ })
      .getByRole('button', { name: 'leo' })
      .click();
    await page.getByTestId('key-warning').waitFor();
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(page, 'dm-key-changed');
    await page.context().close();
  });
});
